#include "carta/review/records.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <numeric>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace carta::review {

namespace {

// Latin letters with diacritics (UTF-8, two bytes) and their base letter, for the ranges
// U+00C0-U+017F that author names and titles in the databases use (ligatures and letters without
// a decomposition, such as ø, ł and ß, map to their usual transliteration's first letter).
char fold_latin(unsigned char lead, unsigned char next) {
  const unsigned code = ((lead & 0x1Fu) << 6) | (next & 0x3Fu);
  static const char* const kLatin1 = "AAAAAAACEEEEIIIIDNOOOOOxOUUUUYTsaaaaaaaceeeeiiiidnooooo/ouuuuyty";  // U+00C0..U+00FF
  if (code >= 0xC0 && code <= 0xFF) {
    const char c = kLatin1[code - 0xC0];
    return (c == 'x' || c == '/') ? ' ' : c;
  }
  if (code >= 0x100 && code <= 0x17F) {
    static const char* const kExtendedA =
        "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiIiJjKkkLlLlLlLlLlNnNnNnnNnOoOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs";
    return kExtendedA[code - 0x100];
  }
  return ' ';
}

std::string decode_entities(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '&') {
      const std::size_t end = s.find(';', i);
      if (end != std::string_view::npos && end - i <= 8) {
        const std::string_view name = s.substr(i + 1, end - i - 1);
        std::string rep;
        if (name == "amp") rep = "&";
        else if (name == "lt") rep = "<";
        else if (name == "gt") rep = ">";
        else if (name == "quot") rep = "\"";
        else if (name == "apos" || name == "#39") rep = "'";
        else if (name == "nbsp") rep = " ";
        else if (!name.empty() && name[0] == '#') rep = " ";  // numeric entities: punctuation in practice
        if (!rep.empty()) {
          out += rep;
          i = end;
          continue;
        }
      }
    }
    out += s[i];
  }
  return out;
}

}  // namespace

std::string normalise_text(std::string_view text) {
  const std::string decoded = decode_entities(text);
  std::string out;
  out.reserve(decoded.size());
  bool blank = true;
  auto put = [&](char c) {
    if (c == ' ') {
      if (!blank) out += ' ';
      blank = true;
    } else {
      out += c;
      blank = false;
    }
  };
  for (std::size_t i = 0; i < decoded.size(); ++i) {
    const auto c = static_cast<unsigned char>(decoded[i]);
    if (c < 0x80) {
      if (std::isalnum(c)) {
        put(static_cast<char>(std::tolower(c)));
      } else {
        put(' ');
      }
    } else if ((c & 0xE0) == 0xC0 && i + 1 < decoded.size()) {
      const char folded = fold_latin(c, static_cast<unsigned char>(decoded[i + 1]));
      put(static_cast<char>(std::tolower(static_cast<unsigned char>(folded))));
      ++i;
    } else {
      // Other multi-byte characters (dashes, quotes, Greek letters): a blank, skipping the
      // continuation bytes.
      put(' ');
      while (i + 1 < decoded.size() && (static_cast<unsigned char>(decoded[i + 1]) & 0xC0) == 0x80) ++i;
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
  if (type == "conf" || type == "abst" || type == "cpaper" || type.find("congress") != std::string::npos ||
      type.find("conference") != std::string::npos || type.find("meeting abstract") != std::string::npos) {
    return true;
  }
  const std::string journal = normalise_text(r.journal);
  return journal.find("supplement") != std::string::npos || journal.find("abstracts") != std::string::npos ||
         journal.find("congress") != std::string::npos || journal.find("annual meeting") != std::string::npos;
}

namespace {

struct Prepared {
  std::string title;
  std::string author;  // first author's family name, normalised
  int year = 0;
  std::string journal;
  std::string volume;
  std::string page;
  std::string doi, pmid;
  bool conference = false;
  int completeness = 0;
  std::uint64_t words = 0;  // one bit per title word (hashed): a cheap similarity bound
};

std::uint64_t word_signature(const std::string& title) {
  std::uint64_t bits = 0;
  std::size_t start = 0;
  while (start < title.size()) {
    std::size_t end = title.find(' ', start);
    if (end == std::string::npos) end = title.size();
    const auto h = std::hash<std::string_view>{}(std::string_view(title).substr(start, end - start));
    bits |= std::uint64_t{1} << (h % 64);
    start = end + 1;
  }
  return bits;
}

// Share of title words (as signature bits) the two titles have in common: duplicates, even with a
// typo or a truncation, share most of their words; this skips the costly comparison for the many
// candidate pairs that a block on author and year, or on journal and page, brings together.
double word_overlap(const Prepared& a, const Prepared& b) {
  const auto both = static_cast<double>(__builtin_popcountll(a.words & b.words));
  const auto smaller = static_cast<double>(std::min(__builtin_popcountll(a.words), __builtin_popcountll(b.words)));
  return smaller > 0 ? both / smaller : 0.0;
}

Prepared prepare(const BibRecord& r) {
  Prepared p;
  p.title = normalise_text(r.title);
  if (!r.authors.empty()) {
    std::string family = r.authors.front();
    const auto comma = family.find(',');
    if (comma != std::string::npos) {
      family = family.substr(0, comma);
    } else {
      const auto space = family.find(' ');  // MEDLINE "Maude SL": family name first
      if (space != std::string::npos) family = family.substr(0, space);
    }
    p.author = normalise_text(family);
  }
  const std::string digits = first_page(r.year);
  if (digits.size() >= 4) p.year = std::atoi(digits.substr(0, 4).c_str());
  p.journal = normalise_text(r.journal);
  p.volume = first_page(r.volume);
  p.page = first_page(r.pages);
  p.doi = normalise_doi(r.doi);
  p.pmid = first_page(r.pmid);
  p.conference = is_conference(r);
  p.words = word_signature(p.title);
  for (const std::string* f : {&r.title, &r.year, &r.journal, &r.volume, &r.issue, &r.pages, &r.doi, &r.pmid, &r.abstract}) {
    p.completeness += f->empty() ? 0 : 1;
  }
  p.completeness += r.authors.empty() ? 0 : 1;
  p.completeness += r.abstract.empty() ? 0 : 2;  // a record with the abstract is the better one to keep
  return p;
}

double title_similarity(const std::string& a, const std::string& b) {
  if (a.empty() || b.empty()) return 0.0;
  if (a == b) return 1.0;
  // A title truncated by the database (at least 40 characters of it agree) is the same title.
  const auto& shorter = a.size() < b.size() ? a : b;
  const auto& longer = a.size() < b.size() ? b : a;
  if (shorter.size() >= 40 && longer.compare(0, shorter.size(), shorter) == 0) return 0.97;
  return jaro_winkler(a, b);
}

double score(const Prepared& a, const Prepared& b, std::string* why) {
  if (a.conference != b.conference) {
    if (why) *why = "a conference abstract and a journal article are different reports";
    return 0.0;
  }
  if (a.year && b.year && std::abs(a.year - b.year) > 1) {
    if (why) *why = "years differ by more than one";
    return 0.0;
  }
  if (!a.doi.empty() && !b.doi.empty() && a.doi != b.doi) {
    if (why) *why = "different DOIs";
    return 0.0;
  }
  if (!a.pmid.empty() && !b.pmid.empty() && a.pmid != b.pmid) {
    if (why) *why = "different PMIDs";
    return 0.0;
  }
  const double t = title_similarity(a.title, b.title);
  double total = 0.6 * t, weight = 0.6;
  std::string reasons = fmt::format("title {:.3f}", t);
  if (!a.author.empty() && !b.author.empty()) {
    const double s = jaro_winkler(a.author, b.author);
    total += 0.15 * s;
    weight += 0.15;
    reasons += fmt::format(", author {:.3f}", s);
  }
  if (a.year && b.year) {
    const double s = a.year == b.year ? 1.0 : 0.5;
    total += 0.1 * s;
    weight += 0.1;
    reasons += fmt::format(", year {:.1f}", s);
  }
  if (!a.page.empty() && !b.page.empty()) {
    const double s = a.page == b.page ? 1.0 : 0.0;
    total += 0.1 * s;
    weight += 0.1;
    reasons += fmt::format(", page {:.0f}", s);
  }
  if (!a.journal.empty() && !b.journal.empty()) {
    const double s = jaro_winkler(a.journal, b.journal);
    total += 0.05 * s;
    weight += 0.05;
    reasons += fmt::format(", journal {:.3f}", s);
  }
  // A short title says little: without corroboration it cannot make a duplicate alone.
  double result = total / weight;
  if (std::min(a.title.size(), b.title.size()) < 25 && weight < 0.85) result = std::min(result, 0.85);
  if (why) *why = reasons;
  return result;
}

struct UnionFind {
  std::vector<std::size_t> parent;
  explicit UnionFind(std::size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), std::size_t{0}); }
  std::size_t find(std::size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  }
  void unite(std::size_t a, std::size_t b) {
    a = find(a);
    b = find(b);
    if (a != b) parent[std::max(a, b)] = std::min(a, b);
  }
};

std::string first_words(const std::string& title, int words) {
  std::size_t pos = 0;
  for (int w = 0; w < words && pos != std::string::npos; ++w) {
    pos = title.find(' ', pos + (w > 0 ? 1 : 0));
  }
  return pos == std::string::npos ? title : title.substr(0, pos);
}

std::string last_words(const std::string& title, int words) {
  std::size_t pos = title.size();
  for (int w = 0; w < words; ++w) {
    const auto p = title.rfind(' ', pos == 0 ? 0 : pos - 1);
    if (p == std::string::npos) return title;
    pos = p;
  }
  return title.substr(pos + 1);
}

}  // namespace

double match_score(const BibRecord& a, const BibRecord& b, std::string* why) {
  return score(prepare(a), prepare(b), why);
}

DedupResult deduplicate(const std::vector<BibRecord>& records, const DedupOptions& options,
                        const std::function<void(std::string_view)>& progress) {
  DedupResult out;
  const std::size_t n = records.size();
  std::vector<Prepared> prepared;
  prepared.reserve(n);
  for (const auto& r : records) prepared.push_back(prepare(r));
  UnionFind groups(n);

  // Identifier tier.
  std::unordered_map<std::string, std::size_t> by_doi, by_pmid;
  for (std::size_t i = 0; i < n; ++i) {
    if (!prepared[i].doi.empty()) {
      const auto [it, fresh] = by_doi.try_emplace(prepared[i].doi, i);
      if (!fresh) groups.unite(it->second, i);
    }
    if (!prepared[i].pmid.empty()) {
      const auto [it, fresh] = by_pmid.try_emplace(prepared[i].pmid, i);
      if (!fresh) groups.unite(it->second, i);
    }
  }

  // Fuzzy tier: candidate pairs from several blocking keys.
  std::unordered_set<std::uint64_t> seen;
  auto consider = [&](std::size_t i, std::size_t j) {
    if (i == j) return;
    if (i > j) std::swap(i, j);
    if (word_overlap(prepared[i], prepared[j]) < 0.5) return;
    if (groups.find(i) == groups.find(j)) return;
    const std::uint64_t key = (static_cast<std::uint64_t>(i) << 32) | j;
    if (!seen.insert(key).second) return;
    ++out.comparisons;
    std::string why;
    const double s = score(prepared[i], prepared[j], &why);
    if (s >= options.duplicate_score) {
      groups.unite(i, j);
    } else if (s >= options.review_score) {
      out.review.push_back({i, j, s, why});
    }
  };
  using KeyFn = std::function<std::string(const Prepared&)>;
  const std::vector<std::pair<const char*, KeyFn>> passes{
      {"title start", [](const Prepared& p) { return p.title.size() < 10 ? std::string() : first_words(p.title, 4); }},
      {"title end", [](const Prepared& p) { return p.title.size() < 10 ? std::string() : last_words(p.title, 4); }},
      {"first author and year",
       [](const Prepared& p) { return p.author.empty() || !p.year ? std::string() : fmt::format("{}|{}", p.author, p.year); }},
      {"journal, volume and page",
       [](const Prepared& p) {
         return p.page.empty() || p.volume.empty() ? std::string() : fmt::format("{}|{}|{}", p.journal.substr(0, 12), p.volume, p.page);
       }},
  };
  std::size_t split = 0;
  for (const auto& [name, key_of] : passes) {
    std::unordered_map<std::string, std::vector<std::size_t>> blocks;
    for (std::size_t i = 0; i < n; ++i) {
      std::string k = key_of(prepared[i]);
      if (!k.empty()) blocks[std::move(k)].push_back(i);
    }
    for (auto& [k, members] : blocks) {
      if (members.size() > options.max_block) {
        // Split an oversized block by the title's first letters, so that it is never compared all
        // to all.
        ++split;
        std::unordered_map<std::string, std::vector<std::size_t>> sub;
        for (std::size_t i : members) sub[prepared[i].title.substr(0, 3)].push_back(i);
        for (auto& [sk, sm] : sub) {
          for (std::size_t a = 0; a < sm.size() && a < options.max_block; ++a) {
            for (std::size_t b = a + 1; b < sm.size() && b < options.max_block; ++b) consider(sm[a], sm[b]);
          }
        }
        continue;
      }
      for (std::size_t a = 0; a < members.size(); ++a) {
        for (std::size_t b = a + 1; b < members.size(); ++b) consider(members[a], members[b]);
      }
    }
    if (progress) progress(fmt::format("dedup: blocking on {}: {} comparisons so far", name, out.comparisons));
  }
  if (split > 0) out.notes.push_back(fmt::format("{} oversized block(s) split by title start", split));

  // Components: keep the most complete record, merge identifiers.
  std::unordered_map<std::size_t, std::vector<std::size_t>> components;
  for (std::size_t i = 0; i < n; ++i) components[groups.find(i)].push_back(i);
  std::vector<std::size_t> keeper(n);
  for (auto& [root, members] : components) {
    std::size_t best = members.front();
    for (std::size_t i : members) {
      if (prepared[i].completeness > prepared[best].completeness) best = i;
    }
    for (std::size_t i : members) keeper[i] = best;
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (keeper[i] == i) {
      out.kept.push_back(i);
      continue;
    }
    // Say why this record goes with the one kept: a shared identifier, else their own score (a
    // record can join its group through a third record, so the score may be below the threshold).
    const Prepared& a = prepared[i];
    const Prepared& k = prepared[keeper[i]];
    if (!a.doi.empty() && a.doi == k.doi) {
      out.duplicates.push_back({i, keeper[i], MatchReason::kDoi, 1.0});
    } else if (!a.pmid.empty() && a.pmid == k.pmid) {
      out.duplicates.push_back({i, keeper[i], MatchReason::kPmid, 1.0});
    } else {
      out.duplicates.push_back({i, keeper[i], MatchReason::kFuzzy, score(a, k, nullptr)});
    }
  }
  std::unordered_map<std::size_t, std::size_t> position;
  for (std::size_t i : out.kept) {
    position[i] = out.merged.size();
    out.merged.push_back(records[i]);
  }
  for (const auto& d : out.duplicates) {
    auto& target = out.merged[position[d.kept]];
    const auto& from = records[d.record];
    if (target.doi.empty()) target.doi = from.doi;
    if (target.pmid.empty()) target.pmid = from.pmid;
    if (target.abstract.empty()) target.abstract = from.abstract;
  }
  // Pairs already merged through another link need no review.
  std::erase_if(out.review, [&](const ReviewPair& p) { return groups.find(p.a) == groups.find(p.b); });
  return out;
}

}  // namespace carta::review
