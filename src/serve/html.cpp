#include "html.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace carta::serve {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      case '\0': out += "\xEF\xBF\xBD"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool word_start(std::string_view text, std::size_t at) {
  return at == 0 || !std::isalnum(static_cast<unsigned char>(text[at - 1]));
}

}  // namespace

std::string highlight(std::string_view text, const std::vector<std::string>& include, const std::vector<std::string>& exclude) {
  const std::string low = lower(text);
  struct Mark {
    std::size_t begin, end;
    bool in;
  };
  std::vector<Mark> marks;
  for (const bool in : {true, false}) {
    for (const auto& keyword : in ? include : exclude) {
      const std::string k = lower(keyword);
      if (k.empty()) continue;
      for (std::size_t at = low.find(k); at != std::string::npos; at = low.find(k, at + 1)) {
        if (word_start(low, at)) marks.push_back({at, at + k.size(), in});
      }
    }
  }
  std::sort(marks.begin(), marks.end(), [](const Mark& a, const Mark& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
  });
  std::string out;
  std::size_t at = 0;
  for (const auto& m : marks) {
    if (m.begin < at) continue;  // overlaps a mark already made
    out += escape(text.substr(at, m.begin - at));
    out += fmt::format("<mark class=\"{}\">{}</mark>", m.in ? "kw-in" : "kw-out", escape(text.substr(m.begin, m.end - m.begin)));
    at = m.end;
  }
  out += escape(text.substr(at));
  return out;
}

std::string csrf_field(std::string_view csrf) {
  return fmt::format("<input type=\"hidden\" name=\"csrf\" value=\"{}\">", escape(csrf));
}

std::string url_encode(std::string_view text) {
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string page(const PageChrome& c, std::string_view body) {
  std::string nav;
  if (!c.user.empty()) {
    auto item = [&](const char* href, const char* key, const char* label) {
      nav += fmt::format("<a href=\"{}\"{}>{}</a>", href, c.active == key ? " aria-current=\"page\"" : "", label);
    };
    item("/", "home", "Overview");
    if (c.can_manage) {
      item("/import", "import", "Import");
      item("/dedup", "dedup", "Duplicates");
    }
    item("/screen?stage=title_abstract", "title_abstract", "Title &amp; abstract");
    item("/screen?stage=full_text", "full_text", "Full text");
    if (c.can_adjudicate) item("/conflicts", "conflicts", "Conflicts");
    item("/prisma", "prisma", "PRISMA");
    item("/export", "export", "Export");
    if (c.can_manage) item("/settings", "settings", "Settings");
    nav = fmt::format(
        "<nav aria-label=\"Workspace\">{}</nav><form class=\"who\" method=\"post\" action=\"/logout\">{}"
        "<span>{} ({})</span> <button type=\"submit\">Log out</button></form>",
        nav, csrf_field(c.csrf), escape(c.user), escape(c.role));
  }
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>{} · carta</title><link rel=\"icon\" href=\"data:,\"><link rel=\"stylesheet\" href=\"/assets/app.css\">"
      "<script src=\"/assets/app.js\" defer></script></head>"
      "<body><header><a class=\"brand\" href=\"/\">carta</a>{}</header><main id=\"main\">{}</main></body></html>\n",
      escape(c.title), nav, body);
}

}  // namespace carta::serve
