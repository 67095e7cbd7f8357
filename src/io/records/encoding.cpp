// Encodings of search exports. Databases write UTF-8 (Scopus, WoS and EndNote often with a
// byte-order mark), Web of Science's older tab-delimited files and some EndNote exports UTF-16,
// and older reference managers Windows-1252. Conversions go through glibc's iconv; a byte that
// stands for no character becomes U+FFFD and is counted, never dropped.

#include "encoding.hpp"

#include <fmt/format.h>
#include <iconv.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <mutex>

#include "carta/error.hpp"

namespace carta::io::records {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// UTF-16 without a byte-order mark: ASCII text has a NUL in every other byte.
std::string utf16_without_bom(std::string_view head) {
  const std::size_t n = std::min<std::size_t>(head.size(), 4096) & ~std::size_t{1};
  if (n < 4) return {};
  std::size_t even_nul = 0, odd_nul = 0;
  for (std::size_t i = 0; i < n; i += 2) {
    even_nul += head[i] == '\0';
    odd_nul += head[i + 1] == '\0';
  }
  const std::size_t pairs = n / 2;
  if (odd_nul * 10 >= pairs * 4 && even_nul * 20 < pairs) return "UTF-16LE";
  if (even_nul * 10 >= pairs * 4 && odd_nul * 20 < pairs) return "UTF-16BE";
  return {};
}

struct Bom {
  std::string_view bytes;
  const char* encoding;
};
constexpr Bom kBoms[] = {
    {std::string_view("\xFF\xFE\x00\x00", 4), "UTF-32LE"},
    {std::string_view("\x00\x00\xFE\xFF", 4), "UTF-32BE"},
    {std::string_view("\xEF\xBB\xBF", 3), "UTF-8"},
    {std::string_view("\xFF\xFE", 2), "UTF-16LE"},
    {std::string_view("\xFE\xFF", 2), "UTF-16BE"},
};

// Converts `in` from `from` to UTF-8 with iconv; sequences iconv cannot convert become U+FFFD.
std::string iconv_to_utf8(std::string_view in, const char* from, std::size_t unit, std::size_t& replaced,
                          std::size_t& first_bad_offset) {
  iconv_t cd = iconv_open("UTF-8", from);
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    throw Error(ErrorCategory::kInternal, fmt::format("iconv cannot convert from {} on this system", from));
  }
  std::string out;
  out.resize(in.size() * 2 + 16);
  char* src = const_cast<char*>(in.data());
  std::size_t src_left = in.size();
  char* dst = out.data();
  std::size_t dst_left = out.size();
  while (src_left > 0) {
    const std::size_t rc = iconv(cd, &src, &src_left, &dst, &dst_left);
    if (rc != static_cast<std::size_t>(-1)) break;
    if (errno == E2BIG) {
      const std::size_t used = static_cast<std::size_t>(dst - out.data());
      out.resize(out.size() * 2);
      dst = out.data() + used;
      dst_left = out.size() - used;
      continue;
    }
    // EILSEQ (no character) or EINVAL (cut in the middle of one at the end): U+FFFD, go on.
    if (replaced++ == 0) first_bad_offset = static_cast<std::size_t>(src - in.data());
    if (dst_left < kReplacement.size()) {
      const std::size_t used = static_cast<std::size_t>(dst - out.data());
      out.resize(out.size() * 2);
      dst = out.data() + used;
      dst_left = out.size() - used;
    }
    std::memcpy(dst, kReplacement.data(), kReplacement.size());
    dst += kReplacement.size();
    dst_left -= kReplacement.size();
    const std::size_t step = std::min(unit, src_left);
    src += step;
    src_left -= step;
  }
  iconv_close(cd);
  out.resize(static_cast<std::size_t>(dst - out.data()));
  return out;
}

// Windows-1252 byte -> UTF-8, for bytes 0x80-0xFF, from iconv once; the five bytes Windows-1252
// leaves undefined map to "" (they become U+FFFD and are counted).
const std::array<std::string, 128>& windows1252() {
  static std::array<std::string, 128> table;
  static std::once_flag once;
  std::call_once(once, [] {
    for (int b = 0x80; b <= 0xFF; ++b) {
      const char byte = static_cast<char>(b);
      std::size_t replaced = 0, offset = 0;
      std::string utf8 = iconv_to_utf8(std::string_view(&byte, 1), "WINDOWS-1252", 1, replaced, offset);
      table[static_cast<std::size_t>(b - 0x80)] = replaced ? std::string() : utf8;
    }
  });
  return table;
}

// Length of the valid UTF-8 sequence at `p` (1 for ASCII), or 0 when it is not one.
std::size_t utf8_sequence(const unsigned char* p, const unsigned char* end) {
  const unsigned char c = p[0];
  if (c < 0x80) return 1;
  auto cont = [&](std::size_t i) { return p + i < end && (p[i] & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && p[1] < 0xA0) return 0;  // overlong
    if (c == 0xED && p[1] >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && p[1] < 0x90) return 0;
    if (c == 0xF4 && p[1] >= 0x90) return 0;
    return 4;
  }
  return 0;
}

// Offset of the first byte that is not valid UTF-8 or is NUL, or npos.
std::size_t first_invalid_utf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  const auto* begin = p;
  while (p != end) {
    // Eight ASCII bytes without a NUL at a time: the common case of an export.
    while (end - p >= 8) {
      std::uint64_t v;
      std::memcpy(&v, p, 8);
      const bool high = (v & 0x8080808080808080ULL) != 0;
      const bool zero = ((v - 0x0101010101010101ULL) & ~v & 0x8080808080808080ULL) != 0;
      if (high || zero) break;
      p += 8;
    }
    if (p == end) break;
    if (*p == 0) return static_cast<std::size_t>(p - begin);
    const std::size_t n = utf8_sequence(p, end);
    if (n == 0) return static_cast<std::size_t>(p - begin);
    p += n;
  }
  return std::string_view::npos;
}

}  // namespace

std::size_t line_of(std::string_view text, std::size_t offset) {
  std::size_t line = 1;
  const std::size_t end = std::min(offset, text.size());
  for (std::size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
    } else if (text[i] == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n')) {
      ++line;
    }
  }
  return line;
}

std::string binary_kind(std::string_view head) {
  struct Magic {
    std::string_view bytes;
    const char* kind;
  };
  static const Magic kMagic[] = {
      {"\x89PNG", "a PNG image"},
      {"\xFF\xD8\xFF", "a JPEG image"},
      {"GIF8", "a GIF image"},
      {"%PDF", "a PDF document"},
      {std::string_view("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8),
       "a Microsoft Office 97-2003 file (an .xls spreadsheet or a .doc document; save it as CSV UTF-8)"},
      {"\x1F\x8B", "a gzip-compressed file (unpack it first)"},
      {"BZh", "a bzip2-compressed file (unpack it first)"},
      {"\xFD" "7zXZ", "an xz-compressed file (unpack it first)"},
      {"7z\xBC\xAF", "a 7-Zip archive (unpack it first)"},
      {"Rar!", "a RAR archive (unpack it first)"},
      {"\x7F" "ELF", "a program (ELF executable)"},
      {std::string_view("SQLite format 3\0", 16),
       "an SQLite database (an EndNote or Zotero library? export the records as RIS or EndNote XML)"},
      {"RIFF", "a media file (RIFF)"},
      {"ID3", "an MP3 audio file"},
      {"OggS", "an Ogg media file"},
      {"II*", "a TIFF image"},
      {"MM\0*", "a TIFF image"},
  };
  for (const auto& m : kMagic) {
    if (starts_with(head, m.bytes)) return m.kind;
  }
  if (starts_with(head, "PK\x03\x04")) {
    if (head.find("xl/") != std::string_view::npos) return "an Excel workbook (.xlsx; save it as CSV UTF-8)";
    if (head.find("opendocument.spreadsheet") != std::string_view::npos) {
      return "an OpenDocument spreadsheet (.ods; save it as CSV UTF-8)";
    }
    if (head.find("word/") != std::string_view::npos) return "a Word document (.docx)";
    return "a ZIP archive (unpack it first)";
  }
  if (head.size() >= 8 && head.substr(4, 4) == "ftyp") return "a video or image file (ISO media)";
  for (const auto& bom : kBoms) {
    if (starts_with(head, bom.bytes)) return {};
  }
  if (!utf16_without_bom(head).empty()) return {};
  std::size_t control = 0;
  for (const char ch : head) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == 0) return "binary data (NUL bytes)";
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7F) ++control;
  }
  if (!head.empty() && control * 20 > head.size()) return "binary data (control characters)";
  return {};
}

Decoded decode_text(std::string_view bytes, const std::string& source) {
  Decoded d;
  std::string from;
  std::size_t bom = 0;
  for (const auto& b : kBoms) {
    if (starts_with(bytes, b.bytes)) {
      from = b.encoding;
      bom = b.bytes.size();
      break;
    }
  }
  if (from.empty()) from = utf16_without_bom(bytes.substr(0, kSniffBytes));
  const bool with_bom = bom > 0;
  if (from == "UTF-8" || from.empty()) {
    const std::string_view text = bytes.substr(bom);
    d.encoding = with_bom ? "UTF-8 (byte-order mark)" : "UTF-8";
    const std::size_t bad = first_invalid_utf8(text);
    if (bad == std::string_view::npos) {
      d.text = text;
      return d;
    }
    // Not valid UTF-8: bytes outside UTF-8 sequences are Windows-1252 (the usual encoding of
    // older exports); NUL and the five undefined bytes become U+FFFD.
    const auto& table = windows1252();
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const auto* end = p + text.size();
    std::size_t converted = 0, multibyte = 0;
    d.storage.reserve(text.size() + text.size() / 8);
    d.storage.append(text.substr(0, bad));
    p += bad;
    while (p != end) {
      const std::size_t n = *p == 0 ? 0 : utf8_sequence(p, end);
      if (n > 0) {
        if (n > 1) ++multibyte;
        d.storage.append(reinterpret_cast<const char*>(p), n);
        p += n;
        continue;
      }
      const std::size_t offset = static_cast<std::size_t>(p - reinterpret_cast<const unsigned char*>(text.data()));
      const std::string& utf8 = *p >= 0x80 ? table[*p - 0x80] : table[0];
      if (*p >= 0x80 && !utf8.empty()) {
        ++converted;
        d.storage += utf8;
      } else {
        if (d.replaced++ == 0) d.first_replaced_line = line_of(text, offset);
        d.storage += kReplacement;
      }
      ++p;
    }
    for (std::size_t i = 0; i < bad; ++i) multibyte += (static_cast<unsigned char>(text[i]) >= 0xC0);
    if (converted > 0) {
      if (multibyte == 0) {
        d.encoding = "Windows-1252";
        d.notes.push_back(fmt::format("{}: the file is not UTF-8; read as Windows-1252 (Latin-1) and converted to "
                                      "UTF-8 ({} byte(s) outside ASCII, the first at line {})",
                                      source, converted, line_of(text, bad)));
      } else {
        d.encoding = "UTF-8 with Windows-1252 bytes";
        d.notes.push_back(fmt::format("{}: {} byte(s) that are not UTF-8, the first at line {}, read as "
                                      "Windows-1252 (the file mixes two encodings; check those characters)",
                                      source, converted, line_of(text, bad)));
      }
    }
    if (d.replaced > 0) {
      d.notes.push_back(fmt::format("{}:{}: {} byte(s) that stand for no character (NUL or undefined in "
                                    "Windows-1252) replaced by U+FFFD",
                                    source, d.first_replaced_line, d.replaced));
    }
    d.text = d.storage;
    return d;
  }
  const std::size_t unit = starts_with(from, "UTF-32") ? 4 : 2;
  std::size_t bad_offset = 0;
  d.storage = iconv_to_utf8(bytes.substr(bom), from.c_str(), unit, d.replaced, bad_offset);
  d.encoding = with_bom ? from + " (byte-order mark)" : from;
  d.notes.push_back(fmt::format("{}: the file is {}{}; converted to UTF-8", source, from,
                                with_bom ? " (byte-order mark)" : " (recognised from its NUL bytes)"));
  // NUL characters (U+0000) are no text: U+FFFD, counted with the undecodable sequences.
  std::size_t nul_line = 0, nuls = 0;
  if (d.storage.find('\0') != std::string::npos) {
    std::string clean;
    clean.reserve(d.storage.size());
    for (std::size_t i = 0; i < d.storage.size(); ++i) {
      if (d.storage[i] == '\0') {
        if (nuls++ == 0) nul_line = line_of(d.storage, i);
        clean += kReplacement;
      } else {
        clean += d.storage[i];
      }
    }
    d.storage = std::move(clean);
  }
  if (d.replaced > 0) {
    d.first_replaced_line = line_of(d.storage, d.storage.find(kReplacement));
  } else if (nuls > 0) {
    d.first_replaced_line = nul_line;
  }
  d.replaced += nuls;
  if (d.replaced > 0) {
    d.notes.push_back(fmt::format("{}:{}: {} sequence(s) that are no {} character replaced by U+FFFD", source,
                                  d.first_replaced_line, d.replaced, from));
  }
  (void)bad_offset;
  d.text = d.storage;
  return d;
}

}  // namespace carta::io::records
