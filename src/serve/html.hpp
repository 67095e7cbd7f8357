#pragma once
// HTML building for the workspace's pages: every text that came from a user or an import goes
// through escape(); keyword highlighting escapes the text around the marks it adds.

#include <string>
#include <string_view>
#include <vector>

namespace carta::serve {

std::string escape(std::string_view text);

// The text escaped, with each occurrence of an inclusion keyword in <mark class="kw-in"> and of
// an exclusion keyword in <mark class="kw-out"> (case-insensitive, at word starts).
std::string highlight(std::string_view text, const std::vector<std::string>& include,
                      const std::vector<std::string>& exclude);

struct PageChrome {
  std::string title;
  std::string user;  // empty when nobody is logged in
  std::string role;
  std::string csrf;
  std::string active;  // nav entry to mark
  bool can_manage = false;
  bool can_adjudicate = false;
};

std::string page(const PageChrome& chrome, std::string_view body);

// A hidden CSRF field for forms.
std::string csrf_field(std::string_view csrf);

// application/x-www-form-urlencoded value (for links).
std::string url_encode(std::string_view text);

}  // namespace carta::serve
