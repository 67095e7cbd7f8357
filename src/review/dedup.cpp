// Deduplication: identical records first (one comparison per set of copies, however large), a
// person's decisions, then candidate pairs from several blocking keys scored by record_match's
// weight of evidence; groups are the connected components of the pairs at or above the
// duplicate score, never joining two records that a person decided are different.

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <numeric>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "carta/parallel.hpp"
#include "carta/review/records.hpp"
#include "record_match.hpp"

namespace carta::review {

namespace {

using detail::Prepared;

// Union-find with cannot-link constraints: a "no" decision keeps two groups apart.
class Groups {
 public:
  explicit Groups(std::size_t n) : parent_(n), apart_(n) { std::iota(parent_.begin(), parent_.end(), std::size_t{0}); }
  std::size_t find(std::size_t x) {
    while (parent_[x] != x) x = parent_[x] = parent_[parent_[x]];
    return x;
  }
  void keep_apart(std::size_t a, std::size_t b) {
    apart_[find(a)].push_back(b);
    apart_[find(b)].push_back(a);
  }
  // Joins the groups of a and b unless a decision keeps them apart; false when it does.
  bool unite(std::size_t a, std::size_t b) {
    a = find(a);
    b = find(b);
    if (a == b) return true;
    for (std::size_t x : apart_[a]) {
      if (find(x) == b) return false;
    }
    for (std::size_t x : apart_[b]) {
      if (find(x) == a) return false;
    }
    if (a > b) std::swap(a, b);
    parent_[b] = a;
    apart_[a].insert(apart_[a].end(), apart_[b].begin(), apart_[b].end());
    apart_[b].clear();
    return true;
  }

 private:
  std::vector<std::size_t> parent_;
  std::vector<std::vector<std::size_t>> apart_;
};

// The candidate pairs already scored: open addressing on 64-bit keys (a pair's two indices),
// several times faster than std::unordered_set for the millions of pairs of a large search.
class PairSet {
 public:
  PairSet() : slots_(1u << 16, 0) {}
  // True when the pair is new.
  bool insert(std::uint64_t key) {
    ++key;  // 0 marks an empty slot
    if (2 * (size_ + 1) > slots_.size()) grow();
    return place(slots_, key);
  }

 private:
  static std::size_t slot_of(std::uint64_t key, std::size_t mask) {
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdull;
    key ^= key >> 33;
    return static_cast<std::size_t>(key) & mask;
  }
  bool place(std::vector<std::uint64_t>& slots, std::uint64_t key) {
    const std::size_t mask = slots.size() - 1;
    for (std::size_t at = slot_of(key, mask);; at = (at + 1) & mask) {
      if (slots[at] == key) return false;
      if (slots[at] == 0) {
        slots[at] = key;
        ++size_;
        return true;
      }
    }
  }
  void grow() {
    std::vector<std::uint64_t> bigger(slots_.size() * 2, 0);
    size_ = 0;
    for (std::uint64_t key : slots_) {
      if (key != 0) place(bigger, key);
    }
    slots_.swap(bigger);
  }
  std::vector<std::uint64_t> slots_;
  std::size_t size_ = 0;
};

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// What makes two records identical for deduplication: every prepared field.
std::string identity_of(const Prepared& p) {
  std::string key = p.title;
  key += '\x1f';
  for (const auto& f : p.families) key += f + ",";
  key += fmt::format("\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}-{}{}\x1f{}\x1f{}\x1f{}{}", p.year, p.journal.empty() ? "" : join(p.journal.front()),
                     p.volume, p.issue, p.pages.first, p.pages.last, p.pages.locator ? "e" : "", p.doi, p.pmid,
                     p.conference ? 'c' : 'a', p.markers);
  return key;
}

}  // namespace

double match_score(const BibRecord& a, const BibRecord& b, std::string* why) {
  const auto e = detail::compare(detail::prepare(a), detail::prepare(b), why != nullptr);
  if (why) *why = e.why;
  return detail::score_of(e);
}

DedupResult deduplicate(const std::vector<BibRecord>& records, const DedupOptions& options,
                        const std::function<void(std::string_view)>& progress) {
  DedupResult out;
  const std::size_t n = records.size();
  std::vector<Prepared> prepared(n);
  constexpr std::size_t kChunk = 2048;
  parallel_for((n + kChunk - 1) / kChunk, options.threads, [&](std::size_t c) {
    for (std::size_t i = c * kChunk; i < std::min(n, (c + 1) * kChunk); ++i) prepared[i] = detail::prepare(records[i]);
  });
  if (progress && n >= 20000) progress(fmt::format("dedup: {} records prepared", n));
  Groups groups(n);
  auto score = [&](std::size_t i, std::size_t j, bool explain) { return detail::compare(prepared[i], prepared[j], explain); };

  // A person's decisions first: a "no" holds against every later link.
  std::vector<std::pair<std::size_t, std::size_t>> decided_yes;
  std::unordered_set<std::uint64_t> decided;
  auto pair_key = [](std::size_t i, std::size_t j) {
    if (i > j) std::swap(i, j);
    return (static_cast<std::uint64_t>(i) << 32) | static_cast<std::uint64_t>(j);
  };
  for (const auto& d : options.decisions) {
    if (d.a >= n || d.b >= n || d.a == d.b) continue;
    decided.insert(pair_key(d.a, d.b));
    if (!d.duplicate) groups.keep_apart(d.a, d.b);
  }
  for (const auto& d : options.decisions) {
    if (d.a >= n || d.b >= n || d.a == d.b || !d.duplicate) continue;
    if (groups.unite(d.a, d.b)) {
      decided_yes.push_back({d.a, d.b});
    } else {
      out.notes.push_back(fmt::format("the decisions that {} and {} are duplicates and that their groups are not contradict "
                                      "each other; they are kept apart",
                                      records[d.a].source, records[d.b].source));
    }
    ++out.decisions_applied;
  }
  out.decisions_applied += std::count_if(options.decisions.begin(), options.decisions.end(),
                                         [&](const PairDecision& d) { return !d.duplicate && d.a < n && d.b < n && d.a != d.b; });

  // Identical records: one comparison per set of copies (5,000 copies of one record are one
  // group without 12.5 million comparisons). A set is merged when a record's comparison with
  // itself reaches the duplicate score, that is when the record says enough to be recognised.
  std::vector<std::size_t> representative(n);
  std::vector<std::size_t> reps;
  std::vector<char> identical(n, 0);
  {
    std::unordered_map<std::string, std::size_t> first;
    first.reserve(n);
    std::unordered_map<std::size_t, std::size_t> copies;
    for (std::size_t i = 0; i < n; ++i) {
      const auto [it, fresh] = first.try_emplace(identity_of(prepared[i]), i);
      representative[i] = it->second;
      if (fresh) {
        reps.push_back(i);
      } else {
        ++copies[it->second];
      }
    }
    std::unordered_map<std::size_t, double> self_score;
    std::unordered_map<std::size_t, std::size_t> second;
    for (const auto& [rep, count] : copies) self_score[rep] = detail::score_of(score(rep, rep, false));
    std::size_t refused = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t rep = representative[i];
      if (rep == i) continue;
      const double s = self_score[rep];
      if (s >= options.duplicate_score) {
        if (groups.unite(rep, i)) {
          identical[i] = 1;
        } else {
          ++refused;
        }
      } else if (s >= options.review_score && !second.count(rep)) {
        second[rep] = i;
        out.review.push_back({rep, i, s, ""});
      }
    }
    if (refused) out.notes.push_back(fmt::format("{} identical record(s) kept apart by decisions", refused));
  }

  // Candidate pairs by blocking, on one record of each set of identical ones. A pass collects its
  // pairs, scores them on every core, then applies them in order: the groups do not depend on the
  // number of threads.
  PairSet seen;
  std::size_t shared_identifier_pairs = 0;
  std::vector<std::pair<std::size_t, std::size_t>> shared_identifier_examples;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> batch;
  auto flush = [&]() {
    std::vector<float> scores(batch.size());
    std::vector<char> shared(batch.size());
    constexpr std::size_t kPairs = 4096;
    parallel_for((batch.size() + kPairs - 1) / kPairs, options.threads, [&](std::size_t c) {
      for (std::size_t k = c * kPairs; k < std::min(batch.size(), (c + 1) * kPairs); ++k) {
        const auto e = score(batch[k].first, batch[k].second, false);
        scores[k] = static_cast<float>(detail::score_of(e));
        shared[k] = e.identifier_shared_titles_differ ? 1 : 0;
      }
    });
    for (std::size_t k = 0; k < batch.size(); ++k) {
      const std::size_t i = batch[k].first, j = batch[k].second;
      const double s = scores[k];
      if (shared[k]) {
        ++shared_identifier_pairs;
        if (shared_identifier_examples.size() < 5) shared_identifier_examples.push_back({i, j});
      }
      if (s >= options.duplicate_score) {
        if (!groups.unite(i, j)) out.review.push_back({i, j, s, ""});
      } else if (s >= options.review_score) {
        out.review.push_back({i, j, s, ""});
      }
    }
    out.comparisons += batch.size();
    batch.clear();
  };
  auto consider = [&](std::size_t i, std::size_t j, bool need_overlap) {
    if (i == j) return;
    if (i > j) std::swap(i, j);
    // Titles that share under three fifths of their words cannot make a duplicate (their title
    // weight is negative and caps the score); pairs from identifier and page blocks are scored
    // whatever their titles.
    if (need_overlap && detail::signature_overlap(prepared[i], prepared[j]) < 0.6) return;
    if (groups.find(i) == groups.find(j)) return;
    if (!seen.insert(pair_key(i, j))) return;
    if (decided.count(pair_key(i, j))) return;
    batch.push_back({static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j)});
    if (batch.size() >= (1u << 20)) flush();
  };
  struct Pass {
    const char* name;
    bool need_overlap;
    std::function<std::string(const Prepared&)> key;
  };
  const std::vector<Pass> passes{
      {"DOI", false, [](const Prepared& p) { return p.doi; }},
      {"PMID", false, [](const Prepared& p) { return p.pmid; }},
      {"title start", true, [](const Prepared& p) { return p.leading.size() < 2 ? std::string() : join(p.leading); }},
      {"title end", true, [](const Prepared& p) { return p.trailing.size() < 2 ? std::string() : join(p.trailing); }},
      {"first author and year", true,
       [](const Prepared& p) { return p.families.empty() || !p.year ? std::string() : fmt::format("{}|{}", p.families.front(), p.year); }},
      {"volume and first page", false,
       [](const Prepared& p) {
         return !p.volume || p.pages.first <= 0 ? std::string() : fmt::format("{}|{}", p.volume, p.pages.first);
       }},
      {"year and first page", false,
       [](const Prepared& p) { return !p.year || p.pages.first <= 0 ? std::string() : fmt::format("{}|{}", p.year, p.pages.first); }},
  };
  std::size_t sorted_blocks = 0;
  for (const auto& pass : passes) {
    std::unordered_map<std::string, std::vector<std::size_t>> blocks;
    for (std::size_t i : reps) {
      std::string k = pass.key(prepared[i]);
      if (!k.empty()) blocks[std::move(k)].push_back(i);
    }
    for (auto& [k, members] : blocks) {
      if (members.size() < 2) continue;
      if (members.size() > options.max_block) {
        // Sorted neighbourhood: each record against the next `window` ones in title order, so an
        // oversized block costs n * window comparisons and every record is still compared.
        ++sorted_blocks;
        std::sort(members.begin(), members.end(), [&](std::size_t x, std::size_t y) {
          return prepared[x].compact != prepared[y].compact ? prepared[x].compact < prepared[y].compact : x < y;
        });
        for (std::size_t a = 0; a < members.size(); ++a) {
          for (std::size_t b = a + 1; b < members.size() && b <= a + options.window; ++b) consider(members[a], members[b], pass.need_overlap);
        }
        continue;
      }
      for (std::size_t a = 0; a < members.size(); ++a) {
        for (std::size_t b = a + 1; b < members.size(); ++b) consider(members[a], members[b], pass.need_overlap);
      }
    }
    flush();
    if (progress && n >= 20000) progress(fmt::format("dedup: blocking on {}: {} comparisons so far", pass.name, out.comparisons));
  }
  if (sorted_blocks > 0) {
    out.notes.push_back(fmt::format("{} block(s) of more than {} candidates compared by sorted neighbourhood (window {})",
                                    sorted_blocks, options.max_block, options.window));
  }

  // Groups: keep the most complete record, merge the others' fields into its gaps.
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
  std::unordered_set<std::size_t> by_decision;
  for (const auto& [a, b] : decided_yes) {
    by_decision.insert(a);
    by_decision.insert(b);
  }
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t k = keeper[i];
    if (k == i) {
      out.kept.push_back(i);
      continue;
    }
    const Prepared& a = prepared[i];
    const Prepared& b = prepared[k];
    const double s = detail::score_of(score(i, k, false));
    if (!a.doi.empty() && a.doi == b.doi && s >= options.duplicate_score) {
      out.duplicates.push_back({i, k, MatchReason::kDoi, s});
    } else if (!a.pmid.empty() && a.pmid == b.pmid && s >= options.duplicate_score) {
      out.duplicates.push_back({i, k, MatchReason::kPmid, s});
    } else if (representative[i] == representative[k] && (identical[i] || identical[k])) {
      out.duplicates.push_back({i, k, MatchReason::kIdentical, s});
    } else if (by_decision.count(i) && s < options.duplicate_score) {
      out.duplicates.push_back({i, k, MatchReason::kDecision, s});
    } else {
      out.duplicates.push_back({i, k, MatchReason::kFuzzy, s});
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
    for (auto field : {&BibRecord::doi, &BibRecord::pmid, &BibRecord::abstract, &BibRecord::journal, &BibRecord::volume,
                       &BibRecord::issue, &BibRecord::pages, &BibRecord::year}) {
      if ((target.*field).empty()) target.*field = from.*field;
    }
    if (target.authors.empty()) target.authors = from.authors;
  }

  // Pairs already in one group need no review; the others are explained, once each.
  std::erase_if(out.review, [&](const ReviewPair& p) { return groups.find(p.a) == groups.find(p.b); });
  for (auto& p : out.review) {
    if (p.a > p.b) std::swap(p.a, p.b);
  }
  std::sort(out.review.begin(), out.review.end(), [](const ReviewPair& x, const ReviewPair& y) {
    return x.a != y.a ? x.a < y.a : x.b < y.b;
  });
  out.review.erase(std::unique(out.review.begin(), out.review.end(),
                               [](const ReviewPair& x, const ReviewPair& y) { return x.a == y.a && x.b == y.b; }),
                   out.review.end());
  for (auto& p : out.review) {
    p.why = score(p.a, p.b, true).why;
    if (representative[p.a] == representative[p.b]) p.why = "identical records that say too little to be told apart: " + p.why;
  }

  // Notes: an identifier shared by records that stay apart.
  if (shared_identifier_pairs > 0) {
    std::string examples;
    for (const auto& [i, j] : shared_identifier_examples) {
      if (groups.find(i) != groups.find(j)) examples += fmt::format("{}{} and {}", examples.empty() ? "" : "; ", records[i].source, records[j].source);
    }
    out.notes.push_back(fmt::format("{} pair(s) of records share a DOI or PMID but their titles differ (a DOI given to a whole "
                                    "supplement or issue?); kept apart{}{}",
                                    shared_identifier_pairs, examples.empty() ? "" : ", e.g. ", examples));
  }
  {
    std::map<std::string, std::vector<std::size_t>> by_id;
    for (std::size_t i = 0; i < n; ++i) {
      if (!records[i].id.empty() && records[i].id != records[i].source) by_id[records[i].id].push_back(i);
    }
    std::size_t shown = 0, total = 0;
    for (const auto& [id, members] : by_id) {
      if (members.size() < 2) continue;
      std::map<std::size_t, std::size_t> distinct;
      for (std::size_t i : members) distinct.try_emplace(keeper[i], i);
      if (distinct.size() < 2) continue;
      ++total;
      if (shown < 20) {
        ++shown;
        std::string where;
        for (const auto& [k, i] : distinct) where += (where.empty() ? "" : ", ") + records[i].source;
        out.notes.push_back(fmt::format("records {} share the ID '{}' but are different papers; each is kept", where, id));
      }
    }
    if (total > shown) out.notes.push_back(fmt::format("{} more ID(s) shared by different papers", total - shown));
  }
  return out;
}

}  // namespace carta::review
