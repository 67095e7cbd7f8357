// BibTeX (.bib, as Zotero, Mendeley, JabRef and the databases write it). A parser of the
// language, not of one writer's layout: entries @type{key, field = value, ...} or with
// parentheses; values in braces (nested), in quotes, numbers or @string macros, joined with #;
// @string, @comment and @preamble; text outside entries is a comment. LaTeX in values becomes
// UTF-8: accents ({\"u}, \'e, \c{c}, \v{s}), special letters (\ss, \o, \ae, \l), escaped
// characters (\&, \%, \textless), dashes, and formatting commands (\emph{x}) drop to their text.
// An entry that cannot be read is skipped and the parser resumes at the next line that starts
// an entry.

#include <fmt/format.h>

#include <unordered_map>

#include "../text.hpp"
#include "values.hpp"
#include "reader.hpp"

namespace carta::io::records {

namespace {

using detail::trim;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_name_char(char c) {
  return is_letter(c) || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == ':' || c == '.' || c == '+' ||
         c == '/';
}

using detail::ascii_lower;

void append_code_point(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// ---------------------------------------------------------------------------------------------
// LaTeX to UTF-8

struct Accent {
  std::string_view command;  // \" \' \` \^ \~ \= \. \u \v \H \c \k \r \d \b
  char32_t combining;        // the combining mark when no precomposed letter is listed
  std::string_view letters;  // base letter followed by its precomposed UTF-8 letter, ...
};

constexpr Accent kAccents[] = {
    {"'", 0x0301, "AÁEÉIÍOÓUÚYÝaáeéiíoóuúyýCĆcćNŃnńSŚsśZŹzźRŔrŕLĹlĺGǴgǵ"},
    {"`", 0x0300, "AÀEÈIÌOÒUÙaàeèiìoòuùNǸnǹ"},
    {"^", 0x0302, "AÂEÊIÎOÔUÛaâeêiîoôuûCĈcĉGĜgĝHĤhĥJĴjĵSŜsŝWŴwŵYŶyŷ"},
    {"~", 0x0303, "AÃNÑOÕaãnñoõIĨiĩUŨuũ"},
    {"\"", 0x0308, "AÄEËIÏOÖUÜaäeëiïoöuüyÿYŸ"},
    {"=", 0x0304, "AĀaāEĒeēIĪiīOŌoōUŪuū"},
    {".", 0x0307, "CĊcċEĖeėGĠgġIİZŻzż"},
    {"u", 0x0306, "AĂaăGĞgğUŬuŭEĔeĕIĬiĭOŎoŏ"},
    {"v", 0x030C, "CČcčDĎdďEĚeěNŇnňRŘrřSŠsšTŤtťZŽzž"},
    {"H", 0x030B, "OŐoőUŰuű"},
    {"c", 0x0327, "CÇcçSŞsşTŢtţGĢgģKĶkķLĻlļNŅnņRŖrŗ"},
    {"k", 0x0328, "AĄaąEĘeęIĮiįUŲuų"},
    {"r", 0x030A, "AÅaåUŮuů"},
    {"d", 0x0323, ""},
    {"b", 0x0331, ""},
};

const Accent* find_accent(std::string_view command) {
  for (const auto& a : kAccents) {
    if (a.command == command) return &a;
  }
  return nullptr;
}

std::string compose(const Accent& accent, std::string_view base) {
  if (base.size() == 1) {
    const auto letters = accent.letters;
    std::size_t i = 0;
    while (i < letters.size()) {
      const char b = letters[i++];
      std::size_t n = 1;
      const auto lead = static_cast<unsigned char>(letters[i]);
      if (lead >= 0xF0) {
        n = 4;
      } else if (lead >= 0xE0) {
        n = 3;
      } else if (lead >= 0xC0) {
        n = 2;
      }
      if (b == base[0]) return std::string(letters.substr(i, n));
      i += n;
    }
  }
  std::string out(base);
  append_code_point(out, accent.combining);
  return out;
}

// Control words that stand for a character.
const std::unordered_map<std::string_view, std::string_view>& symbols() {
  static const std::unordered_map<std::string_view, std::string_view> map = {
      {"ss", "ß"}, {"SS", "SS"}, {"ae", "æ"}, {"AE", "Æ"}, {"oe", "œ"}, {"OE", "Œ"}, {"o", "ø"}, {"O", "Ø"},
      {"aa", "å"}, {"AA", "Å"}, {"l", "ł"}, {"L", "Ł"}, {"i", "ı"}, {"j", "ȷ"}, {"dh", "ð"}, {"DH", "Ð"},
      {"th", "þ"}, {"TH", "Þ"}, {"ng", "ŋ"}, {"NG", "Ŋ"}, {"dj", "đ"}, {"DJ", "Đ"},
      {"textless", "<"}, {"textgreater", ">"}, {"textasciitilde", "~"}, {"textasciicircum", "^"},
      {"textbackslash", "\\"}, {"textbar", "|"}, {"textendash", "–"}, {"textemdash", "—"},
      {"textquoteleft", "‘"}, {"textquoteright", "’"}, {"textquotedblleft", "“"}, {"textquotedblright", "”"},
      {"textquotesingle", "'"}, {"textquotedbl", "\""}, {"textregistered", "®"}, {"texttrademark", "™"},
      {"textcopyright", "©"}, {"copyright", "©"}, {"textdegree", "°"}, {"textperiodcentered", "·"},
      {"textbullet", "•"}, {"textunderscore", "_"}, {"dag", "†"}, {"ddag", "‡"}, {"S", "§"}, {"P", "¶"},
      {"pounds", "£"}, {"euro", "€"}, {"texteuro", "€"}, {"ldots", "…"}, {"dots", "…"}, {"textellipsis", "…"},
      {"pm", "±"}, {"textpm", "±"}, {"times", "×"}, {"texttimes", "×"}, {"div", "÷"}, {"leq", "≤"}, {"le", "≤"},
      {"geq", "≥"}, {"ge", "≥"}, {"neq", "≠"}, {"ne", "≠"}, {"approx", "≈"}, {"sim", "∼"}, {"infty", "∞"},
      {"cdot", "·"}, {"circ", "°"}, {"degree", "°"}, {"textmu", "µ"}, {"micro", "µ"}, {"rightarrow", "→"},
      {"to", "→"}, {"leftarrow", "←"}, {"uparrow", "↑"}, {"downarrow", "↓"},
      {"alpha", "α"}, {"beta", "β"}, {"gamma", "γ"}, {"delta", "δ"}, {"epsilon", "ε"}, {"varepsilon", "ε"},
      {"zeta", "ζ"}, {"eta", "η"}, {"theta", "θ"}, {"vartheta", "ϑ"}, {"iota", "ι"}, {"kappa", "κ"},
      {"lambda", "λ"}, {"mu", "μ"}, {"nu", "ν"}, {"xi", "ξ"}, {"pi", "π"}, {"rho", "ρ"}, {"sigma", "σ"},
      {"tau", "τ"}, {"upsilon", "υ"}, {"phi", "φ"}, {"varphi", "φ"}, {"chi", "χ"}, {"psi", "ψ"}, {"omega", "ω"},
      {"Gamma", "Γ"}, {"Delta", "Δ"}, {"Theta", "Θ"}, {"Lambda", "Λ"}, {"Xi", "Ξ"}, {"Pi", "Π"}, {"Sigma", "Σ"},
      {"Upsilon", "Υ"}, {"Phi", "Φ"}, {"Psi", "Ψ"}, {"Omega", "Ω"},
  };
  return map;
}

// Commands whose argument is plain text (\emph{x} -> x), and spacing commands that are a blank.
bool is_text_command(std::string_view w) {
  static constexpr std::string_view kText[] = {
      "emph", "textit", "textbf", "textsc", "textrm", "textsf", "texttt", "textup", "textsl", "textmd", "textnormal",
      "mathrm", "mathit", "mathbf", "mathsf", "mathtt", "mathcal", "mathbb", "mathnormal", "text", "mbox", "hbox",
      "ensuremath", "textsuperscript", "textsubscript", "url", "href", "uppercase", "lowercase", "MakeUppercase",
      "MakeLowercase", "NoCaseChange", "it", "bf", "sc", "rm", "sf", "tt", "em", "sl", "up", "small", "large",
      "footnotesize", "scriptsize", "tiny", "normalsize", "nocite", "relax", "protect"};
  for (const auto t : kText) {
    if (w == t) return true;
  }
  return false;
}

class Latex {
 public:
  explicit Latex(std::string_view s) : s_(s) {}

  std::string convert() {
    std::string out;
    out.reserve(s_.size());
    while (i_ < s_.size()) step(out);
    // Blanks collapsed: values wrap over lines in .bib files.
    std::string collapsed;
    collapsed.reserve(out.size());
    bool blank = false;
    for (const char c : out) {
      if (is_space(c)) {
        blank = true;
        continue;
      }
      if (blank && !collapsed.empty()) collapsed += ' ';
      blank = false;
      collapsed += c;
    }
    return collapsed;
  }

 private:
  // The argument of an accent: {x}, {\i}, x, or \i.
  std::string accent_argument() {
    while (i_ < s_.size() && s_[i_] == ' ') ++i_;
    if (i_ >= s_.size()) return {};
    if (s_[i_] == '{') {
      ++i_;
      std::string inner;
      int depth = 1;
      const std::size_t begin = i_;
      while (i_ < s_.size() && depth > 0) {
        if (s_[i_] == '{') ++depth;
        if (s_[i_] == '}') --depth;
        ++i_;
      }
      const std::string_view raw = s_.substr(begin, i_ - begin - (depth == 0 ? 1 : 0));
      return base_letter(raw);
    }
    if (s_[i_] == '\\') {
      const std::size_t begin = i_;
      ++i_;
      while (i_ < s_.size() && is_letter(s_[i_])) ++i_;
      return base_letter(s_.substr(begin, i_ - begin));
    }
    // One character (a UTF-8 letter may be several bytes).
    std::size_t n = 1;
    const auto lead = static_cast<unsigned char>(s_[i_]);
    if (lead >= 0xF0) {
      n = 4;
    } else if (lead >= 0xE0) {
      n = 3;
    } else if (lead >= 0xC0) {
      n = 2;
    }
    const auto arg = std::string(s_.substr(i_, n));
    i_ += n;
    return arg;
  }

  // "\i" and "\j" under an accent are i and j; anything else is converted as text.
  static std::string base_letter(std::string_view raw) {
    const auto t = trim(raw);
    if (t == "\\i") return "i";
    if (t == "\\j") return "j";
    return Latex(t).convert();
  }

  void step(std::string& out) {
    const char c = s_[i_];
    if (c == '{' || c == '}' || c == '$') {
      ++i_;
      return;
    }
    if (c == '~') {
      out += ' ';
      ++i_;
      return;
    }
    if (c == '-' && s_.substr(i_, 3) == "---") {
      out += "—";
      i_ += 3;
      return;
    }
    if (c == '-' && s_.substr(i_, 2) == "--") {
      out += "–";
      i_ += 2;
      return;
    }
    if (c == '`' && s_.substr(i_, 2) == "``") {
      out += "“";
      i_ += 2;
      return;
    }
    if (c == '\'' && s_.substr(i_, 2) == "''") {
      out += "”";
      i_ += 2;
      return;
    }
    if (c != '\\') {
      out += c;
      ++i_;
      return;
    }
    // A command.
    ++i_;
    if (i_ >= s_.size()) return;
    const char d = s_[i_];
    if (!is_letter(d)) {
      ++i_;
      if (const Accent* a = find_accent(std::string_view(&s_[i_ - 1], 1)); a != nullptr) {
        out += compose(*a, accent_argument());
      } else if (d == '\\') {
        out += ' ';  // a line break
      } else if (d == ' ' || d == ',' || d == ';' || d == ':' || d == '!') {
        out += ' ';
      } else if (d == '-' || d == '/') {
        // discretionary hyphen, italic correction: nothing
      } else {
        out += d;  // \& \% \$ \# \_ \{ \}
      }
      return;
    }
    const std::size_t begin = i_;
    while (i_ < s_.size() && is_letter(s_[i_])) ++i_;
    const std::string_view word = s_.substr(begin, i_ - begin);
    if (word.size() == 1) {
      if (const Accent* a = find_accent(word); a != nullptr && i_ < s_.size() && (s_[i_] == '{' || s_[i_] == ' ')) {
        out += compose(*a, accent_argument());
        return;
      }
    }
    const auto& table = symbols();
    if (const auto it = table.find(word); it != table.end()) {
      out += it->second;
      // A control word eats the blanks after it, and an empty group "{}" ends it.
      while (i_ < s_.size() && s_[i_] == ' ') ++i_;
      if (s_.substr(i_, 2) == "{}") i_ += 2;
      return;
    }
    if (is_text_command(word)) {
      while (i_ < s_.size() && s_[i_] == ' ') ++i_;
      return;  // its argument follows and is converted as text
    }
    // An unknown command: its argument when it has one, else its name ("\LaTeX" -> "LaTeX").
    if (i_ < s_.size() && s_[i_] == '{') return;
    out += word;
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

// "Maude, Shannon L." stays; "Shannon L. Maude" -> "Maude, Shannon L."; "Ludwig van Beethoven"
// -> "van Beethoven, Ludwig"; "{World Health Organization}" stays one name.
std::string bibtex_name(std::string_view raw) {
  raw = trim(raw);
  std::vector<std::string_view> tokens;
  int depth = 0;
  bool comma = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= raw.size(); ++i) {
    const char c = i < raw.size() ? raw[i] : ' ';
    if (c == '{') ++depth;
    if (c == '}') --depth;
    if (depth == 0 && c == ',') comma = true;
    if (depth == 0 && is_space(c)) {
      if (i > start) tokens.push_back(raw.substr(start, i - start));
      start = i + 1;
    }
  }
  if (comma || tokens.size() < 2) return Latex(raw).convert();
  std::size_t family = tokens.size() - 1;
  // The "von" part: lower-case words before the last one belong to the family name.
  while (family > 1 && !tokens[family - 1].empty() && tokens[family - 1][0] >= 'a' && tokens[family - 1][0] <= 'z') {
    --family;
  }
  std::string last, first;
  for (std::size_t i = family; i < tokens.size(); ++i) {
    if (i > family) last += ' ';
    last.append(tokens[i]);
  }
  for (std::size_t i = 0; i < family; ++i) {
    if (i > 0) first += ' ';
    first.append(tokens[i]);
  }
  return Latex(last).convert() + ", " + Latex(first).convert();
}

// Names joined by "and" (any case) outside braces.
std::vector<std::string> bibtex_names(std::string_view raw) {
  std::vector<std::string> names;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == '{') ++depth;
    if (c == '}') --depth;
    if (depth == 0 && is_space(c) && i + 4 < raw.size() && (raw[i + 1] == 'a' || raw[i + 1] == 'A') &&
        (raw[i + 2] == 'n' || raw[i + 2] == 'N') && (raw[i + 3] == 'd' || raw[i + 3] == 'D') && is_space(raw[i + 4])) {
      names.push_back(bibtex_name(raw.substr(start, i - start)));
      start = i + 5;
      i += 4;
    }
  }
  names.push_back(bibtex_name(raw.substr(start)));
  std::vector<std::string> kept;
  for (auto& n : names) {
    if (!n.empty() && ascii_lower(n) != "others") kept.push_back(std::move(n));
  }
  return kept;
}

// ---------------------------------------------------------------------------------------------
// The parser

struct EntryError {
  std::size_t offset;
  std::string what;
};

class Parser {
 public:
  Parser(std::string_view text, Context& context) : t_(text), context_(context) {
    static constexpr std::pair<std::string_view, std::string_view> kMonths[] = {
        {"jan", "January"}, {"feb", "February"}, {"mar", "March"},     {"apr", "April"},
        {"may", "May"},     {"jun", "June"},     {"jul", "July"},      {"aug", "August"},
        {"sep", "September"}, {"oct", "October"}, {"nov", "November"}, {"dec", "December"}};
    for (const auto& [k, v] : kMonths) macros_.emplace(k, v);
  }

  void run() {
    while (true) {
      const std::size_t at = t_.find('@', i_);
      if (at == std::string_view::npos) return;
      i_ = at + 1;
      const std::size_t type_start = i_;
      while (i_ < t_.size() && is_name_char(t_[i_])) ++i_;
      const std::string type = ascii_lower(t_.substr(type_start, i_ - type_start));
      skip_space();
      if (type.empty() || i_ >= t_.size() || (t_[i_] != '{' && t_[i_] != '(')) {
        i_ = std::max(i_, at + 1);  // an '@' in a comment or an e-mail address
        continue;
      }
      const char close = t_[i_] == '{' ? '}' : ')';
      ++i_;
      const std::size_t line = line_of_offset(at);
      try {
        if (type == "comment") {
          skip_group(close);
        } else if (type == "preamble") {
          (void)value();
          skip_space();
          expect(close, "the end of @preamble");
        } else if (type == "string") {
          read_string(close);
        } else {
          read_entry(type, close, line);
        }
      } catch (const EntryError& e) {
        if (e.offset >= t_.size()) {
          // The file ends inside the entry: what was read of it is kept.
          if (builder_.started()) {
            context_.cut_short(line, fmt::format("entry '{}' is not closed", key_));
            context_.keep(builder_, line);
          }
          return;
        }
        builder_ = RecordBuilder{};
        context_.skip(line, fmt::format("entry '{}' cannot be read: {} (line {})", key_.empty() ? type : key_, e.what,
                                        line_of_offset(e.offset)));
        i_ = next_entry_line(std::max(e.offset, at + 1));
      }
    }
  }

 private:
  std::size_t line_of_offset(std::size_t offset) {
    // Lines counted forward from the last position asked for (entries come in order).
    if (offset < counted_to_) {
      counted_to_ = 0;
      counted_line_ = 1;
    }
    for (; counted_to_ < offset && counted_to_ < t_.size(); ++counted_to_) {
      if (t_[counted_to_] == '\n') ++counted_line_;
    }
    return counted_line_;
  }

  void skip_space() {
    while (i_ < t_.size()) {
      if (is_space(t_[i_])) {
        ++i_;
      } else if (t_[i_] == '%') {  // a comment to the end of the line (biblatex, JabRef)
        while (i_ < t_.size() && t_[i_] != '\n') ++i_;
      } else {
        break;
      }
    }
  }

  [[noreturn]] void fail(const std::string& what) const { throw EntryError{i_, what}; }

  void expect(char c, const char* what) {
    if (i_ >= t_.size()) fail(fmt::format("the file ends before {}", what));
    if (t_[i_] != c) fail(fmt::format("'{}' where {} ('{}') was expected", t_[i_], what, c));
    ++i_;
  }

  // The start of the next line that begins an entry, for resuming after a broken one.
  std::size_t next_entry_line(std::size_t from) const {
    std::size_t p = from;
    while (true) {
      p = t_.find('\n', p);
      if (p == std::string_view::npos) return t_.size();
      ++p;
      std::size_t q = p;
      while (q < t_.size() && (t_[q] == ' ' || t_[q] == '\t')) ++q;
      if (q < t_.size() && t_[q] == '@') return q;
    }
  }

  // Inside braces, a new line that starts "@article{" means the braces were never closed.
  bool entry_starts_here(std::size_t p) const {
    if (p == 0 || t_[p - 1] != '\n') return false;
    std::size_t q = p;
    while (q < t_.size() && (t_[q] == ' ' || t_[q] == '\t')) ++q;
    if (q >= t_.size() || t_[q] != '@') return false;
    std::size_t r = q + 1;
    while (r < t_.size() && is_name_char(t_[r])) ++r;
    const std::string type = ascii_lower(t_.substr(q + 1, r - q - 1));
    static constexpr std::string_view kTypes[] = {
        "article", "book", "booklet", "inbook", "incollection", "inproceedings", "conference", "manual",
        "mastersthesis", "misc", "phdthesis", "proceedings", "techreport", "unpublished", "online", "report",
        "thesis", "collection", "dataset", "software", "electronic", "patent", "string", "comment", "preamble"};
    bool known = false;
    for (const auto k : kTypes) known = known || type == k;
    while (r < t_.size() && (t_[r] == ' ' || t_[r] == '\t')) ++r;
    return known && r < t_.size() && (t_[r] == '{' || t_[r] == '(');
  }

  void skip_group(char close) {
    int depth = 1;
    const char open = close == '}' ? '{' : '(';
    while (i_ < t_.size()) {
      const char c = t_[i_++];
      if (c == open) ++depth;
      if (c == close && --depth == 0) return;
    }
  }

  std::string braced() {
    // At '{': the text up to the matching '}' (braces inside kept for the LaTeX conversion).
    const std::size_t begin = ++i_;
    int depth = 1;
    while (i_ < t_.size()) {
      const char c = t_[i_];
      if (c == '\\' && i_ + 1 < t_.size() && (t_[i_ + 1] == '{' || t_[i_ + 1] == '}')) {
        i_ += 2;
        continue;
      }
      if (c == '\n' && entry_starts_here(i_ + 1)) {
        fail("a '{' is never closed (the value runs into the next entry)");
      }
      if (c == '{') ++depth;
      if (c == '}' && --depth == 0) {
        const auto value = t_.substr(begin, i_ - begin);
        ++i_;
        return std::string(value);
      }
      ++i_;
    }
    fail("the file ends inside a braced value");
  }

  std::string quoted() {
    const std::size_t begin = ++i_;
    int depth = 0;
    while (i_ < t_.size()) {
      const char c = t_[i_];
      if (c == '\\' && i_ + 1 < t_.size()) {
        i_ += 2;
        continue;
      }
      if (c == '\n' && entry_starts_here(i_ + 1)) fail("a '\"' is never closed (the value runs into the next entry)");
      if (c == '{') ++depth;
      if (c == '}') --depth;
      if (c == '"' && depth <= 0) {
        const auto value = t_.substr(begin, i_ - begin);
        ++i_;
        return std::string(value);
      }
      ++i_;
    }
    fail("the file ends inside a quoted value");
  }

  // value = piece (# piece)*; a piece is {..}, ".." , a number or a macro name.
  std::string value() {
    std::string out;
    while (true) {
      skip_space();
      if (i_ >= t_.size()) fail("the file ends where a value was expected");
      const char c = t_[i_];
      if (c == '{') {
        out += braced();
      } else if (c == '"') {
        out += quoted();
      } else if (c >= '0' && c <= '9') {
        const std::size_t begin = i_;
        while (i_ < t_.size() && t_[i_] >= '0' && t_[i_] <= '9') ++i_;
        out += t_.substr(begin, i_ - begin);
      } else if (is_name_char(c)) {
        const std::size_t begin = i_;
        while (i_ < t_.size() && is_name_char(t_[i_])) ++i_;
        const std::string name = ascii_lower(t_.substr(begin, i_ - begin));
        const auto it = macros_.find(name);
        if (it != macros_.end()) {
          out += it->second;
        } else {
          context_.repair(line_of_offset(begin), fmt::format("@string '{}' is not defined", name), "its name is kept");
          out += name;
        }
      } else {
        fail(fmt::format("'{}' where a value ({{...}}, \"...\", a number or a @string name) was expected", c));
      }
      skip_space();
      if (i_ < t_.size() && t_[i_] == '#') {
        ++i_;
        continue;
      }
      return out;
    }
  }

  std::string field_name() {
    skip_space();
    const std::size_t begin = i_;
    while (i_ < t_.size() && is_name_char(t_[i_])) ++i_;
    if (i_ == begin) {
      if (i_ >= t_.size()) fail("the file ends where a field name was expected");
      fail(fmt::format("'{}' where a field name was expected", t_[i_]));
    }
    return ascii_lower(t_.substr(begin, i_ - begin));
  }

  void read_string(char close) {
    const std::string name = field_name();
    skip_space();
    expect('=', "'=' after the @string name");
    macros_[name] = value();
    skip_space();
    if (i_ < t_.size() && t_[i_] == ',') ++i_;  // a trailing comma
    skip_space();
    expect(close, "the end of @string");
  }

  void read_entry(const std::string& type, char close, std::size_t line) {
    key_.clear();
    skip_space();
    const std::size_t key_start = i_;
    while (i_ < t_.size() && t_[i_] != ',' && t_[i_] != close && !is_space(t_[i_])) ++i_;
    key_ = std::string(t_.substr(key_start, i_ - key_start));
    builder_.start(context_.at(line));
    static constexpr Synonym kType{Dialect::kBibtex, "@type", Field::kType};
    static constexpr Synonym kKey{Dialect::kBibtex, "@key", Field::kId};
    builder_.add(&kType, type);
    builder_.add(&kKey, key_);
    skip_space();
    while (true) {
      skip_space();
      if (i_ >= t_.size()) fail("the file ends inside the entry");
      if (t_[i_] == close) {
        ++i_;
        break;
      }
      if (t_[i_] == ',') {
        ++i_;
        continue;
      }
      const std::string name = field_name();
      skip_space();
      expect('=', fmt::format("'=' after field '{}'", name).c_str());
      const std::string raw = value();
      skip_space();
      if (i_ < t_.size() && t_[i_] != ',' && t_[i_] != close) {
        fail(fmt::format("'{}' after field '{}' where ',' or the end of the entry was expected", t_[i_], name));
      }
      add_field(name, raw);
    }
    context_.keep(builder_, line);
  }

  void add_field(const std::string& name, const std::string& raw) {
    const Synonym* s = find_synonym(Dialect::kBibtex, name);
    if (s == nullptr) return;
    if (s->field == Field::kAuthor) {
      for (const auto& n : bibtex_names(raw)) builder_.add(s, n);
      return;
    }
    std::string text = Latex(raw).convert();
    if (s->field == Field::kPages) {
      // "134--137" (converted to an en dash) is the range 134-137.
      std::string pages;
      for (std::size_t k = 0; k < text.size(); ++k) {
        if (text.compare(k, 3, "–") == 0) {
          pages += '-';
          k += 2;
        } else {
          pages += text[k];
        }
      }
      text = pages;
    }
    builder_.add(s, text);
  }

  std::string_view t_;
  Context& context_;
  std::size_t i_ = 0;
  std::size_t counted_to_ = 0, counted_line_ = 1;
  std::unordered_map<std::string, std::string> macros_;
  RecordBuilder builder_;
  std::string key_;
};

}  // namespace

std::string latex_to_utf8(std::string_view text) { return Latex(text).convert(); }

void read_bibtex(std::string_view text, Context& context) { Parser(text, context).run(); }

}  // namespace carta::io::records
