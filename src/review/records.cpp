// Field normalisation for deduplication: text (Unicode folded with ICU), DOIs, pages, journal
// names, the record key. The matching itself is in record_match.cpp, the grouping in dedup.cpp.

#include "carta/review/records.hpp"

#include <fmt/format.h>
#include <unicode/translit.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "record_match.hpp"

namespace carta::review {

namespace {

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x110000) {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// HTML entities (named ones that titles carry, and numeric ones as the character) and tags
// (<i>, <sup>, </sub>: markup some databases keep in titles) removed.
std::string decode_markup(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '&') {
      const std::size_t end = s.find(';', i);
      if (end != std::string_view::npos && end - i <= 10) {
        const std::string_view name = s.substr(i + 1, end - i - 1);
        std::string rep;
        if (name == "amp") rep = "&";
        else if (name == "lt") rep = "<";
        else if (name == "gt") rep = ">";
        else if (name == "quot") rep = "\"";
        else if (name == "apos") rep = "'";
        else if (name == "nbsp") rep = " ";
        else if (name.size() >= 2 && name[0] == '#') {
          const bool hex = name[1] == 'x' || name[1] == 'X';
          const std::string digits(name.substr(hex ? 2 : 1));
          char* stop = nullptr;
          const unsigned long cp = std::strtoul(digits.c_str(), &stop, hex ? 16 : 10);
          if (!digits.empty() && stop && *stop == '\0' && cp > 0 && cp < 0x110000) append_utf8(rep, static_cast<char32_t>(cp));
        }
        if (!rep.empty()) {
          out += rep;
          i = end;
          continue;
        }
      }
    }
    if (s[i] == '<') {
      // A tag: <i>, </sup>, <sub>, <br/> (letters, optional slash, at most 6 characters).
      std::size_t j = i + 1;
      if (j < s.size() && s[j] == '/') ++j;
      const std::size_t letters = j;
      while (j < s.size() && std::isalpha(static_cast<unsigned char>(s[j]))) ++j;
      if (j < s.size() && s[j] == '/') ++j;
      if (j > letters && j < s.size() && s[j] == '>' && j - i <= 7) {
        out += ' ';
        i = j;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

// Decodes one UTF-8 code point at s[i] (advancing i); U+FFFD for a broken sequence.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto c = static_cast<unsigned char>(s[i++]);
  if (c < 0x80) return c;
  int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
  if (extra == 0) return 0xFFFD;
  char32_t cp = c & (0x3F >> extra);
  for (; extra > 0; --extra) {
    if (i >= s.size() || (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) return 0xFFFD;
    cp = (cp << 6) | (static_cast<unsigned char>(s[i++]) & 0x3F);
  }
  return cp;
}

bool is_greek_letter(char32_t cp) { return (cp >= 0x391 && cp <= 0x3A9) || (cp >= 0x3B1 && cp <= 0x3C9); }

// The names of the Greek letters (U+03B1..U+03C9; capitals fold to them): a lone Greek letter in
// a title is a symbol ("α-synuclein", "TNF-β"), which other databases spell out.
const char* greek_name(char32_t cp) {
  static const std::array<const char*, 25> kNames{"alpha", "beta", "gamma",   "delta", "epsilon", "zeta", "eta",
                                                  "theta", "iota", "kappa",   "lambda", "mu",     "nu",   "xi",
                                                  "omicron", "pi", "rho",     "sigma", "sigma",   "tau",  "upsilon",
                                                  "phi",   "chi", "psi",      "omega"};
  if (cp >= 0x391 && cp <= 0x3A9) cp += 0x20;
  return cp >= 0x3B1 && cp <= 0x3C9 ? kNames[cp - 0x3B1] : nullptr;
}

// Lone Greek letters to their names; Greek words are left for the transliterator.
std::string name_greek_symbols(std::string_view s) {
  std::vector<std::pair<char32_t, std::pair<std::size_t, std::size_t>>> cps;  // code point, byte range
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t start = i;
    const char32_t cp = next_code_point(s, i);
    cps.push_back({cp, {start, i}});
  }
  std::string out;
  out.reserve(s.size() + 8);
  for (std::size_t k = 0; k < cps.size(); ++k) {
    const char32_t cp = cps[k].first;
    const bool lone = (cp == 0xB5 || is_greek_letter(cp)) && !(k > 0 && is_greek_letter(cps[k - 1].first)) &&
                      !(k + 1 < cps.size() && is_greek_letter(cps[k + 1].first));
    if (lone) {
      out += ' ';
      out += cp == 0xB5 ? "mu" : greek_name(cp);
      out += ' ';
    } else {
      out.append(s.substr(cps[k].second.first, cps[k].second.second - cps[k].second.first));
    }
  }
  return out;
}

// ICU's transliteration of any script to Latin, then of Latin to ASCII (diacritics removed, ß ->
// ss, ø -> o, ł -> l, ligatures split; dashes and quotes to their ASCII forms). Built once per
// thread: creating a transliterator is costly and an instance is not shared between threads.
std::string fold_to_ascii(const std::string& utf8) {
  thread_local std::unique_ptr<icu::Transliterator> fold = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::Transliterator> t(
        icu::Transliterator::createInstance("Any-Latin; Latin-ASCII", UTRANS_FORWARD, status));
    return U_SUCCESS(status) ? std::move(t) : nullptr;
  }();
  icu::UnicodeString text = icu::UnicodeString::fromUTF8(utf8);
  if (fold) fold->transliterate(text);
  std::string out;
  text.toUTF8String(out);
  return out;
}

}  // namespace

std::string normalise_text(std::string_view text) {
  std::string decoded = decode_markup(text);
  const bool ascii = std::all_of(decoded.begin(), decoded.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (!ascii) decoded = fold_to_ascii(name_greek_symbols(decoded));
  std::string out;
  out.reserve(decoded.size());
  bool blank = true;
  for (char ch : decoded) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80 && std::isalnum(c)) {
      out += static_cast<char>(std::tolower(c));
      blank = false;
    } else if (!blank) {
      out += ' ';
      blank = true;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string normalise_doi(std::string_view doi) {
  std::string d;
  for (char c : doi) d += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto start = d.find("10.");
  if (start == std::string::npos) return {};
  d = d.substr(start);
  // URL-encoded brackets, as doi.org links carry them.
  for (auto [from, to] : {std::pair<const char*, const char*>{"%28", "("}, {"%29", ")"}, {"%2f", "/"}}) {
    for (auto p = d.find(from); p != std::string::npos; p = d.find(from, p)) d.replace(p, 3, to);
  }
  const auto space = d.find_first_of(" \t[");
  if (space != std::string::npos) d = d.substr(0, space);
  while (!d.empty() && (d.back() == '.' || d.back() == ',' || d.back() == ';')) d.pop_back();
  return d.find('/') == std::string::npos ? std::string() : d;
}

std::string first_page(std::string_view pages) {
  std::string out;
  bool started = false;
  for (char c : pages) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      out += c;
      started = true;
    } else if (started) {
      break;
    }
  }
  while (out.size() > 1 && out.front() == '0') out.erase(out.begin());
  return out;
}

PageRange parse_pages(std::string_view raw) {
  PageRange r;
  std::string s;
  for (char c : raw) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // A spreadsheet's date for a range: "01-jun" is 1-6, "nov-15" is 11-15.
  static const std::array<const char*, 12> kMonths{"jan", "feb", "mar", "apr", "may", "jun",
                                                   "jul", "aug", "sep", "oct", "nov", "dec"};
  if (s.size() <= 7) {
    for (std::size_t m = 0; m < kMonths.size(); ++m) {
      const auto at = s.find(kMonths[m]);
      if (at != std::string::npos && s.find('-') != std::string::npos) {
        s.replace(at, 3, std::to_string(m + 1));
        break;
      }
    }
  }
  // The first piece (up to a comma, semicolon or blank-separated "author reply" note).
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '"')) ++i;
  auto read_number = [&](std::size_t& at, long& value, bool& letters) {
    letters = false;
    while (at < s.size() && std::isalpha(static_cast<unsigned char>(s[at]))) {
      letters = true;
      ++at;
    }
    const std::size_t start = at;
    value = 0;
    while (at < s.size() && std::isdigit(static_cast<unsigned char>(s[at])) && at - start < 9) value = value * 10 + (s[at++] - '0');
    return at > start;
  };
  long first = 0, last = 0;
  bool first_letters = false, last_letters = false;
  std::size_t at = i;
  const bool has_first = read_number(at, first, first_letters);
  while (at < s.size() && s[at] == ' ') ++at;
  bool has_last = false;
  if (at < s.size() && (s[at] == '-' || s.compare(at, 3, "\xE2\x80\x93") == 0)) {
    at += s[at] == '-' ? 1 : 3;
    while (at < s.size() && s[at] == ' ') ++at;
    has_last = read_number(at, last, last_letters);
  }
  if (!has_first && !has_last) {
    // "Suppl-29": letters, a dash, the end page: only the end is known.
    const auto dash = s.find('-');
    if (dash != std::string::npos) {
      std::size_t e = dash + 1;
      bool letters = false;
      has_last = read_number(e, last, letters);
      if (has_last) r.last = last;
    }
    return r;
  }
  if (!has_first) {
    r.last = has_last ? last : 0;
    return r;
  }
  if (first_letters && !has_last) {
    // "e0123", "c1804", "a1754", "cd006828": an electronic locator; "s12" a supplement page.
    const char lead = s[i];
    r.locator = lead != 's';
  }
  r.first = first;
  if (has_last) {
    // "1234-41": MEDLINE writes only the digits of the end page that change.
    const std::string f = std::to_string(first), l = std::to_string(last);
    if (l.size() < f.size()) last = std::atol((f.substr(0, f.size() - l.size()) + l).c_str());
    r.last = last;
  } else {
    r.last = first;
  }
  return r;
}

double jaro_winkler(std::string_view a, std::string_view b) {
  if (a.empty() && b.empty()) return 1.0;
  if (a.empty() || b.empty()) return 0.0;
  if (a == b) return 1.0;
  const std::size_t window = std::max<std::size_t>(std::max(a.size(), b.size()) / 2, 1) - 1;
  std::vector<char> used_a(a.size(), 0), used_b(b.size(), 0);
  std::size_t matches = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::size_t lo = i > window ? i - window : 0;
    const std::size_t hi = std::min(b.size(), i + window + 1);
    for (std::size_t j = lo; j < hi; ++j) {
      if (!used_b[j] && a[i] == b[j]) {
        used_a[i] = used_b[j] = 1;
        ++matches;
        break;
      }
    }
  }
  if (matches == 0) return 0.0;
  std::size_t transpositions = 0;
  for (std::size_t i = 0, j = 0; i < a.size(); ++i) {
    if (!used_a[i]) continue;
    while (!used_b[j]) ++j;
    if (a[i] != b[j]) ++transpositions;
    ++j;
  }
  const double m = static_cast<double>(matches);
  const double jaro = (m / static_cast<double>(a.size()) + m / static_cast<double>(b.size()) +
                       (m - static_cast<double>(transpositions) / 2.0) / m) /
                      3.0;
  std::size_t prefix = 0;
  while (prefix < 4 && prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
  return jaro + static_cast<double>(prefix) * 0.1 * (1.0 - jaro);
}

bool is_conference(const BibRecord& r) {
  std::string type;
  for (char c : r.type) type += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (type == "conf" || type == "abst" || type == "cpaper" || type == "inproceedings" || type == "proceedings" ||
      type.find("congress") != std::string::npos || type.find("conference") != std::string::npos ||
      type.find("meeting abstract") != std::string::npos || type.find("proceedings paper") != std::string::npos) {
    return true;
  }
  const std::string journal = normalise_text(r.journal);
  if (journal.find("dissertation abstracts") != std::string::npos) return false;  // theses, not meetings
  for (const char* word : {"supplement", "abstracts", "congress", "annual meeting", "conference", "scientific meeting",
                           "symposium", "scientific sessions"}) {
    if (journal.find(word) != std::string::npos) return true;
  }
  return false;
}

bool journals_match(std::string_view a, std::string_view b) {
  return detail::journal_forms_match(detail::journal_forms(a), detail::journal_forms(b));
}

std::string record_key(const BibRecord& r) {
  // FNV-1a over the normalised fields, each closed by a separator.
  std::uint64_t h = 1469598103934665603ull;
  auto add = [&](std::string_view s) {
    for (char c : s) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ull;
    }
    h ^= 0x1F;
    h *= 1099511628211ull;
  };
  add(normalise_text(r.title));
  for (const auto& a : r.authors) add(normalise_text(a));
  add("|");
  add(first_page(r.year));
  add(normalise_text(r.journal));
  add(normalise_text(r.volume));
  add(normalise_text(r.issue));
  add(normalise_text(r.pages));
  add(normalise_doi(r.doi));
  add(first_page(r.pmid));
  add(is_conference(r) ? "c" : "a");
  return fmt::format("r{:016x}", h);
}

}  // namespace carta::review
