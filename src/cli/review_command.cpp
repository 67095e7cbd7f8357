#include "review_command.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>
#include <unordered_map>

#include "carta/error.hpp"
#include "carta/io/file.hpp"
#include "carta/io/prisma_table.hpp"
#include "carta/io/records.hpp"
#include "carta/io/rob_table.hpp"
#include "carta/io/screening_table.hpp"
#include "carta/io/pool_output.hpp"
#include "carta/review/reconcile.hpp"
#include "carta/review/screening.hpp"
#include "carta/plot/prisma_diagram.hpp"
#include "carta/plot/render.hpp"
#include "carta/plot/rob_plots.hpp"

namespace carta::cli {

namespace {

constexpr const char* kRobFooter = R"(
FILE has one row per study (robvis's layout and column names): a study column, one column per
domain named D1, D2, ... (or by the domain's name), optionally Overall and Weight (e.g. sample
size). The reviewers' overall judgement is kept; where it differs from the tool's rule, a note
names both. A column that is not one of the tool's domains, or a domain given twice, is an error
(--ignore COLUMN leaves a notes column out). Tools (robvis's names work too: ROB2, ROBINS-I, ...):
  rob2          D1-D5: Low, Some concerns, High, No information, Not applicable; overall by the
                RoB 2 algorithm
  rob2-cluster  D1, D1b, D2-D5 (RoB 2 for cluster-randomized trials); as rob2
  rob1          D1-D7 (D7, other bias, optional): Low, Unclear, High; overall = the worst
  robins-i      D1-D7: Low, Moderate, Serious, Critical, No information; overall = the worst
  robins-e      D1-D7: Low, Some concerns, High, Very high, No information; overall = the worst
  quadas-2      D1-D4: Low, Unclear (robvis: Some concerns), High; overall = the worst
  quips         D1-D6: Low, Moderate, High; overall by Grooten et al. 2019
  ihe           items Q1..Q20 of the IHE case-series checklist (a modified list may drop items):
                Yes, Partial, No, Unclear, Not applicable; acceptable when the share of rated
                items met (partial = 1/2) reaches --threshold
  nos           stars in columns selection (0-4), comparability (0-2), outcome or exposure (0-3);
                good / fair / poor by the AHRQ thresholds
  generic       every other column is a domain; Low, Some concerns, High, No information
Prints each study's overall judgement and the notes (--format json: as rob.json; -o FILE: into
FILE). --out-dir DIR writes DIR/traffic_light and DIR/summary (each .svg, .png, .pdf) and
DIR/rob.json. A long table continues in blocks side by side in the same figure.

Example (an illustrative table in carta's examples folder):
  carta rob examples/rob/rob2.csv --tool rob2 --out-dir rob --palette colourblind --weighted)";

constexpr const char* kPrismaFooter = R"(
COUNTS is a CSV in the PRISMA2020 R package's template format: columns data and n (and optionally
boxtext), one row per box: database_results (or database_specific_results as "PubMed, 537;
Embase, 1210"), register_results, duplicates, excluded_automatic, excluded_other,
records_screened, records_excluded, dbr_sought_reports, dbr_notretrieved_reports, dbr_assessed,
dbr_excluded ("Reason, n; Reason, n"), new_studies, new_reports; for the other-methods arm
website_results, organisation_results, citations_results, other_sought_reports,
other_notretrieved_reports, other_assessed, other_excluded; for a previous review
previous_studies, previous_reports, total_studies, total_reports. 'carta screening' writes it.
Boxes that follow from others may be left out (they are computed and listed); counts that do not
add up are refused, naming the box.

Example (the counts of the screening example, as 'carta screening --out-dir' writes them):
  carta prisma examples/screening/prisma.csv --out prisma.svg   (also prisma.png and prisma.pdf))";

constexpr const char* kScreeningFooter = R"(
FILE is one of three formats, recognised from its columns:
  carta's decision log  one row per reviewer decision: record,stage,reviewer,decision,reason
                        stage     title_abstract or full_text
                        decision  include, maybe, exclude (a reason is required at full text),
                                  not_retrieved (full text)
                        optional: study (the study an included report belongs to: PRISMA counts
                        studies and reports apart) and adjudicator (yes/no)
  Rayyan's CSV export   key,title,...,notes: each reviewer's vote in notes as RAYYAN-INCLUSION:
                        {"Alice"=>"Included", "Bob"=>"Excluded"}, with RAYYAN-EXCLUSION-REASONS
                        and RAYYAN-LABELS. One Rayyan review is one stage: FILE is title and
                        abstract screening, full_text=FILE the full-text review (its records are
                        matched to the first by key, DOI, PubMed ID or title).
  Covidence's references exports  Title,...,Covidence #,Study,Notes,Tags: one file per list, as
                        Covidence names them (review_N_LIST_csv_DATE.csv) or LIST=FILE, LIST one
                        of screen, irrelevant, select (full-text review), excluded, included. They
                        hold Covidence's final decisions, so agreement is not computed.
As in Covidence, include and maybe move a record on, exclude stops it, and reviewers who disagree
make a conflict until the adjudicator decides: a reviewer named 'adjudicator' (--adjudicator) or
marked yes in the adjudicator column. --reviewers 2 (the default) needs two votes per record;
--reviewers 1 (pilot rounds, rapid reviews) lets one vote move a record on; --reviewers
full_text=2 sets one stage. A report whose reviewers name different studies is a conflict.
Prints per-stage counts, conflicts, Cohen's kappa and percent agreement per reviewer pair and
stage, full-text exclusion reasons, labels, and the PRISMA 2020 counts (--format json: as
screening.json; -o FILE: into FILE). With --out-dir DIR: screening.json, conflicts.csv, and when screening is finished and --database or --search is
given, prisma.csv (the PRISMA2020 template format) and the flow diagram prisma.svg/.png/.pdf.

Examples (the files are in carta's examples/screening folder):
  carta screening examples/screening/rayyan_title_abstract.csv full_text=examples/screening/rayyan_full_text.csv --database PubMed=7 --database Embase=3 --duplicates 2 --out-dir screening
  carta screening examples/screening/pilot_log.csv --reviewers 1 --format json --out pilot.json)";

std::vector<review::NamedCount> named_counts(const std::vector<std::string>& items, const char* option) {
  std::vector<review::NamedCount> out;
  for (const auto& item : items) {
    const auto eq = item.rfind('=');
    std::int64_t n = -1;
    if (eq != std::string::npos && eq > 0) {
      try {
        std::size_t used = 0;
        n = std::stoll(item.substr(eq + 1), &used);
        if (used != item.size() - eq - 1) n = -1;
      } catch (const std::exception&) {
        n = -1;
      }
    }
    if (n < 0) {
      throw Error(ErrorCategory::kInvalidOption,
                  fmt::format("{} '{}': write NAME=N with N a whole number >= 0, e.g. {} PubMed=537", option, item, option));
    }
    out.push_back({item.substr(0, eq), n});
  }
  return out;
}

const char* status_name(review::RecordStatus s) {
  switch (s) {
    case review::RecordStatus::kIncluded: return "included";
    case review::RecordStatus::kExcluded: return "excluded";
    case review::RecordStatus::kConflict: return "conflict";
    case review::RecordStatus::kAwaitingSecondVote: return "awaiting second vote";
    case review::RecordStatus::kNotRetrieved: return "not retrieved";
    case review::RecordStatus::kNotScreened: return "not screened";
  }
  return "?";
}

// --reviewers N (both stages) or STAGE=N, repeatable; later items override earlier ones.
review::ScreeningOptions screening_options(const std::vector<std::string>& items) {
  review::ScreeningOptions options;
  for (const auto& item : items) {
    const auto eq = item.find('=');
    const std::string stage = eq == std::string::npos ? "" : item.substr(0, eq);
    const std::string value = eq == std::string::npos ? item : item.substr(eq + 1);
    if (value != "1" && value != "2") {
      throw Error(ErrorCategory::kInvalidOption,
                  fmt::format("--reviewers '{}': give 1 (one vote moves a record on: pilot rounds, rapid reviews) or 2 "
                              "(dual screening), for both stages or as title_abstract=N / full_text=N",
                              item));
    }
    const int n = value == "1" ? 1 : 2;
    if (stage.empty() || stage == "title_abstract") options.reviewers_title_abstract = n;
    if (stage.empty() || stage == "full_text") options.reviewers_full_text = n;
    if (!stage.empty() && stage != "title_abstract" && stage != "full_text") {
      throw Error(ErrorCategory::kInvalidOption,
                  fmt::format("--reviewers '{}': '{}' is not a stage; write title_abstract=N or full_text=N", item, stage));
    }
  }
  return options;
}

// FILE or PART=FILE; a path that exists as given is a file even if it holds '='.
std::pair<std::string, std::string> part_and_file(const std::string& arg) {
  const auto eq = arg.find('=');
  if (eq == std::string::npos || eq == 0 || std::filesystem::exists(arg)) return {"", arg};
  return {arg.substr(0, eq), arg.substr(eq + 1)};
}

}  // namespace

CLI::App* add_screening_command(CLI::App& app, ScreeningArgs& args) {
  auto* cmd = app.add_subcommand("screening",
                                 "Screening decisions (carta log, Rayyan, Covidence): counts, conflicts, kappa, PRISMA 2020");
  cmd->footer(kScreeningFooter);
  cmd->add_option("files", args.files,
                  "screening decisions: carta's log, Rayyan exports or Covidence exports, as FILE or PART=FILE")
      ->required();
  cmd->add_option("--reviewers", args.reviewers,
                  "votes that decide a record: 2 (dual screening) or 1 (one reviewer); STAGE=N for one stage")
      ->capture_default_str();
  cmd->add_option("--database", args.databases, "records identified in a database, NAME=N (repeatable)");
  cmd->add_option("--register", args.registers, "records identified in a register, NAME=N (repeatable)");
  cmd->add_option("--search", args.searches,
                  "a search export (RIS, MEDLINE, CSV) as FILE or NAME=FILE: its records count for that database (repeatable)");
  cmd->add_option("--dedup", args.dedup, "DUPS.csv written by carta dedup: its rows are the duplicates removed");
  cmd->add_option("--duplicates", args.duplicates, "duplicate records removed before screening")->capture_default_str();
  cmd->add_option("--automation", args.automation, "records removed by automation tools")->capture_default_str();
  cmd->add_option("--removed-other", args.removed_other, "records removed before screening for other reasons")
      ->capture_default_str();
  cmd->add_option("--adjudicator", args.adjudicator, "the reviewer name whose decisions resolve conflicts")
      ->capture_default_str();
  add_output_options(cmd, args.output, {"text", "json"},
                     "the counts, agreement and PRISMA 2020 summary (json: what screening.json holds)");
  add_out_dir_option(cmd, args.out_dir,
                     "screening.json, conflicts.csv and, when screening is complete and the searches are given, "
                     "prisma.csv and the flow diagram prisma.svg/.png/.pdf");
  return cmd;
}

int run_screening(const ScreeningArgs& args, std::ostream& out, std::ostream& err) {
  OutputArgs output = args.output;
  std::string out_dir = args.out_dir;
  if (const auto note = out_as_folder(output, out_dir)) err << "carta: note: " << *note << '\n';
  const review::ScreeningOptions options = screening_options(args.reviewers);
  std::vector<std::pair<std::string, std::string>> given;  // part, file
  for (const auto& f : args.files) given.push_back(part_and_file(f));
  {
    std::vector<io::RunPath> inputs{{"--dedup", args.dedup}};
    for (const auto& [part, file] : given) inputs.push_back({"FILE", file});
    for (const auto& s : args.searches) inputs.push_back({"--search", s.substr(s.find('=') == std::string::npos ? 0 : s.find('=') + 1)});
    std::vector<io::RunPath> outputs{{"--out", output.path}};
    if (!out_dir.empty()) {
      for (const char* f : {"screening.json", "conflicts.csv", "prisma.csv", "prisma.svg", "prisma.png", "prisma.pdf"}) {
        outputs.push_back({"--out-dir", std::filesystem::path(out_dir) / f});
      }
    }
    io::check_run_paths(inputs, outputs);
  }
  std::vector<io::ScreeningSource> sources;
  for (const auto& [part, file] : given) sources.push_back({io::read_screening_table(file), part});
  const io::ScreeningImport imported = io::load_screening(sources, args.adjudicator);
  review::ScreeningResult result = review::summarise_screening(imported.log, options);
  result.notes.insert(result.notes.begin(), imported.notes.begin(), imported.notes.end());
  auto stage_line = [](const char* name, const review::StageCounts& c) {
    return fmt::format("{:<16} {:>6} records: {:>6} included, {:>6} excluded, {:>4} conflicts, {:>4} awaiting a second "
                       "vote{}{}\n",
                       name, c.records, c.included, c.excluded, c.conflicts, c.awaiting,
                       c.not_retrieved ? fmt::format(", {} not retrieved", c.not_retrieved) : std::string(),
                       c.not_screened ? fmt::format(", {} not yet screened", c.not_screened) : std::string());
  };
  std::string text;
  for (const auto& s : imported.sources) text += "read " + s + "\n";
  if (options.reviewers_title_abstract == 1 || options.reviewers_full_text == 1) {
    text += fmt::format("one-reviewer mode: {} vote(s) decide at title/abstract, {} at full text\n",
                        options.reviewers_title_abstract, options.reviewers_full_text);
  }
  text += "\nScreening\n" + stage_line("title/abstract", result.title_abstract) +
          stage_line("full text", result.full_text);
  if (result.awaiting_full_text) text += fmt::format("{} record(s) passed title/abstract and await full text\n", result.awaiting_full_text);
  text += fmt::format("included: {} report(s) of {} stud{}\n", result.included_reports, result.included_studies,
                      result.included_studies == 1 ? "y" : "ies");
  text += "\nAgreement (include or maybe vs exclude; adjudicators left out)\n";
  if (!result.agreement_note.empty()) text += result.agreement_note + "\n";
  for (const auto& a : result.agreement) {
    text += fmt::format("{:<14} {} vs {}: {} records, agreement {:.1f}%, Cohen's kappa {}\n",
                        a.stage == review::ScreeningStage::kTitleAbstract ? "title/abstract" : "full text", a.reviewer_a,
                        a.reviewer_b, a.both_rated, a.percent_agreement,
                        std::isnan(a.kappa) ? std::string("undefined") : fmt::format("{:.3f}", a.kappa));
  }
  if (!result.exclusion_reasons.empty()) {
    text += "\nFull-text exclusion reasons\n";
    for (const auto& r : result.exclusion_reasons) text += fmt::format("{:>6}  {}\n", r.n, r.name);
  }
  if (!imported.labels.empty()) {
    text += imported.format == io::ScreeningFormat::kCovidence ? "\nTags (records)\n" : "\nLabels (records)\n";
    for (const auto& l : imported.labels) text += fmt::format("{:>6}  {}\n", l.n, l.name);
  }
  std::string conflicts_csv = "record,stage,status,votes,why\n";
  std::size_t conflicts = 0;
  for (const auto& o : result.outcomes) {
    if (o.status != review::RecordStatus::kConflict && o.status != review::RecordStatus::kAwaitingSecondVote) continue;
    ++conflicts;
    std::string votes;
    for (const auto& v : o.votes) votes += (votes.empty() ? "" : "; ") + v;
    conflicts_csv += fmt::format("{},{},{},{},{}\n", io::csv_field(o.record),
                                 o.stage == review::ScreeningStage::kTitleAbstract ? "title_abstract" : "full_text",
                                 status_name(o.status), io::csv_field(votes), io::csv_field(o.why));
  }
  if (conflicts) text += fmt::format("\n{} record(s) unresolved (listed in conflicts.csv with --out-dir)\n", conflicts);

  std::optional<review::PrismaCounts> prisma;
  std::vector<review::NamedCount> searched = named_counts(args.databases, "--database");
  for (const auto& s : args.searches) {
    const auto eq = s.find('=');
    const std::string file = eq == std::string::npos ? s : s.substr(eq + 1);
    const std::string name = eq == std::string::npos ? std::filesystem::path(file).stem().string() : s.substr(0, eq);
    searched.push_back({name, static_cast<std::int64_t>(io::read_records(file).records.size())});
  }
  std::int64_t duplicates = args.duplicates;
  if (!args.dedup.empty()) {
    const io::Table dups = io::read_table(args.dedup);
    (void)dups.column("record");  // a DUPS.csv of carta dedup, not some other table
    (void)dups.column("kept");
    if (args.duplicates != 0 && args.duplicates != static_cast<std::int64_t>(dups.rows.size())) {
      throw Error(ErrorCategory::kInvalidOption,
                  fmt::format("--duplicates {} disagrees with the {} rows of {}; give one of them", args.duplicates,
                              dups.rows.size(), args.dedup));
    }
    duplicates = static_cast<std::int64_t>(dups.rows.size());
  }
  if (!searched.empty() || !args.registers.empty()) {
    review::PrismaCounts identification;
    identification.database_specific = searched;
    identification.register_specific = named_counts(args.registers, "--register");
    identification.duplicates = duplicates;
    identification.excluded_automatic = args.automation;
    identification.excluded_other = args.removed_other;
    if (result.complete()) {
      prisma = review::prisma_counts(result, identification);
      review::complete_and_check(*prisma);  // throws, naming the box, when the log and the search disagree
      text += fmt::format("\nPRISMA 2020: identified {}, removed {}, screened {}, excluded {}, sought {}, not retrieved {}, "
                          "assessed {}, excluded {}, included {} studies ({} reports)\n",
                          prisma->database_results.value_or(0) + prisma->register_results.value_or(0),
                          duplicates + args.automation + args.removed_other, *prisma->records_screened,
                          *prisma->records_excluded, *prisma->dbr_sought, *prisma->dbr_notretrieved, *prisma->dbr_assessed,
                          *prisma->dbr_assessed - *prisma->new_reports, *prisma->new_studies, *prisma->new_reports);
    }
  } else {
    result.notes.push_back("give --search FILE or --database NAME=N (and --dedup or --duplicates) to complete the PRISMA "
                           "2020 counts");
  }
  for (const auto& n : result.notes) text += "note: " + n + "\n";

  nlohmann::json j;
  io::record_build_info(j);
  auto counts = [](const review::StageCounts& c) {
    return nlohmann::json{{"records", c.records}, {"included", c.included}, {"excluded", c.excluded},
                          {"conflicts", c.conflicts}, {"awaiting_second_vote", c.awaiting},
                          {"not_retrieved", c.not_retrieved}, {"not_screened", c.not_screened}};
  };
  j["format"] = io::screening_format_name(imported.format);
  j["sources"] = imported.sources;
  j["reviewers"] = {{"title_abstract", options.reviewers_title_abstract}, {"full_text", options.reviewers_full_text}};
  j["title_abstract"] = counts(result.title_abstract);
  j["full_text"] = counts(result.full_text);
  j["awaiting_full_text"] = result.awaiting_full_text;
  j["complete"] = result.complete();
  j["included_reports"] = result.included_reports;
  j["included_studies"] = result.included_studies;
  nlohmann::json agreement = nlohmann::json::array();
  for (const auto& a : result.agreement) {
    agreement.push_back({{"stage", a.stage == review::ScreeningStage::kTitleAbstract ? "title_abstract" : "full_text"},
                         {"reviewer_a", a.reviewer_a}, {"reviewer_b", a.reviewer_b}, {"records", a.both_rated},
                         {"percent_agreement", a.percent_agreement},
                         {"kappa", std::isnan(a.kappa) ? nlohmann::json(nullptr) : nlohmann::json(a.kappa)},
                         {"expected_agreement", a.expected_agreement}});
  }
  j["agreement"] = agreement;
  if (!result.agreement_note.empty()) j["agreement_note"] = result.agreement_note;
  nlohmann::json labels = nlohmann::json::array();
  for (const auto& l : imported.labels) labels.push_back({{"label", l.name}, {"records", l.n}});
  j["labels"] = labels;
  nlohmann::json reasons = nlohmann::json::array();
  for (const auto& r : result.exclusion_reasons) reasons.push_back({{"reason", r.name}, {"n", r.n}});
  j["exclusion_reasons"] = reasons;
  j["notes"] = result.notes;
  const std::string json_text = j.dump(2) + "\n";
  write_result(output, output.format == "json" ? json_text : text, out);

  if (!out_dir.empty()) {
    const std::filesystem::path dir(out_dir);
    io::create_output_folder(dir);
    io::write_file_atomic(dir / "screening.json", json_text);
    io::write_file_atomic(dir / "conflicts.csv", conflicts_csv);
    if (prisma) {
      io::write_file_atomic(dir / "prisma.csv", io::prisma_csv(*prisma));
      const std::string svg = plot::prisma_diagram_svg(*prisma);
      io::write_file_atomic(dir / "prisma.svg", svg);
      const std::vector<plot::RenderJob> jobs{{svg, dir / "prisma.png", dir / "prisma.pdf"}};
      plot::render_all(jobs);
    }
    err << fmt::format("carta: wrote {}/screening.json, conflicts.csv{}\n", out_dir,
                       prisma ? ", prisma.csv and prisma.svg/.png/.pdf" : "");
  }
  return 0;
}

CLI::App* add_dedup_command(CLI::App& app, DedupArgs& args) {
  auto* cmd = app.add_subcommand("dedup", "Import search exports and remove duplicate records");
  cmd->footer(R"footer(
Reads every FILE, recognising the format from the content, not the extension: RIS (any database
or reference manager), PubMed MEDLINE (.nbib, .txt), Web of Science (plain text .ciw/.txt,
tab-delimited), Ovid (.ovd, .cgi), EndNote XML (EndNote, Zotero, Mendeley), BibTeX (.bib), and CSV
or tab-delimited tables with a title column (Scopus, Zotero, EndNote, Rayyan); UTF-8, UTF-16 or
Windows-1252 (converted, with a note). A record that cannot be read is skipped with file:line and
the reason, and a file that holds no records (an image, a spreadsheet, a table without titles) is
skipped with what was seen, when other files are given (--strict: both are errors instead); what
each reader accepts is in docs/formats.md. Then
removes duplicates. Identical records are one group at once;
other candidate pairs (sharing a DOI, a PMID, the start or end of the title, the first author and
year, or the volume or year and first page) are scored by the weight of evidence of their fields:
title, authors, year, journal (abbreviations and full names agree), volume, issue, pages (MEDLINE's
1234-41, e-pages, article numbers) and identifiers. A shared DOI or PMID counts only when the titles
agree too. Never merged: a conference abstract and a journal article, an erratum, reply, comment or
retraction and its paper, titles that differ in a number (phase 1 / phase 2, part 2), recurring
titles (editorials, errata, "Volume 3") without matching volume and pages, different DOIs, years
more than one apart. Pairs at or above --duplicate-score are duplicates; those between
--review-score and it go to --review for a person to decide: fill its 'duplicate' column with yes
or no and give the file back with --decisions on the next run (pairs are named by record keys
that survive a re-export, not by row). The most complete record of each group is kept, with the
others' identifiers, abstract and missing fields merged in. Writes the unique records (--out: RIS
for a .ris name or --format ris, else CSV with abstracts, keywords and every identifier; both
import into Rayyan and Covidence) and DUPS.csv (--duplicates: record,kept,reason,score with the
RIS ID / PMID, else file:line). Method and benchmark: docs/methods/dedup.md.

Examples (the files are in carta's examples/records folder):
  carta dedup examples/records/pubmed.nbib examples/records/embase.ris --out unique.ris --duplicates dups.csv --review review.csv
  carta dedup examples/records/pubmed.nbib examples/records/embase.ris --out unique.csv --decisions review.csv --review review2.csv)footer");
  cmd->add_option("files", args.files, "search exports")->required();
  add_output_options(cmd, args.output, {"text", "ris", "csv"},
                     "the unique records (ris or csv; a file is csv unless its name ends in .ris) or, with --format "
                     "text, the summary");
  add_progress_option(cmd, args.progress);
  cmd->add_flag("--strict", args.strict,
                "a record that cannot be read, a file cut short, a file that is no export or any line carta would repair "
                "is an error");
  cmd->add_option("--duplicates", args.duplicates, "removed records and the record each duplicates (CSV)");
  cmd->add_option("--review", args.review, "uncertain pairs for a person to decide (CSV with an empty 'duplicate' column)");
  cmd->add_option("--decisions", args.decisions, "a review list whose 'duplicate' column says yes or no: applied");
  cmd->add_option("--duplicate-score", args.duplicate_score, "score at or above which records are duplicates")
      ->capture_default_str();
  cmd->add_option("--review-score", args.review_score, "score at or above which a pair is listed for review")
      ->capture_default_str();
  return cmd;
}

namespace {

// The decisions of a review list (key_a, key_b, duplicate = yes / no / empty), as pairs of record
// indices. A pair whose records are no longer there is a note; a value other than yes or no is an
// error naming file:line:column.
std::vector<review::PairDecision> read_dedup_decisions(const std::string& path, const std::vector<review::BibRecord>& records,
                                                       std::vector<std::string>& notes) {
  const io::Table table = io::read_table(path);
  const std::size_t key_a = table.column("key_a"), key_b = table.column("key_b"), duplicate = table.column("duplicate");
  std::unordered_map<std::string, std::size_t> by_key;
  for (std::size_t i = 0; i < records.size(); ++i) by_key.try_emplace(review::record_key(records[i]), i);
  std::vector<review::PairDecision> decisions;
  std::size_t missing = 0;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const auto& row = table.rows[r];
    std::string value(io::cell_value(row[duplicate]));
    for (auto& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (value.empty()) continue;  // not decided yet
    bool yes = false;
    if (value == "yes" || value == "y") {
      yes = true;
    } else if (value != "no" && value != "n") {
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("{}:{}:{}: 'duplicate' is '{}'; write yes or no (or leave it empty to decide later)", path,
                              table.lines[r], duplicate + 1, io::cell_value(row[duplicate])));
    }
    const auto a = by_key.find(std::string(io::cell_value(row[key_a])));
    const auto b = by_key.find(std::string(io::cell_value(row[key_b])));
    if (a == by_key.end() || b == by_key.end()) {
      ++missing;
      if (missing <= 20) {
        notes.push_back(fmt::format("{}:{}: the decision on {} and {} names a record that is not in these files (changed or "
                                    "removed?); not applied",
                                    path, table.lines[r], io::cell_value(row[key_a]), io::cell_value(row[key_b])));
      }
      continue;
    }
    decisions.push_back({a->second, b->second, yes});
  }
  if (missing > 20) notes.push_back(fmt::format("{}: {} more decision(s) name records that are not here", path, missing - 20));
  return decisions;
}

const char* reason_name(review::MatchReason reason) {
  switch (reason) {
    case review::MatchReason::kDoi: return "doi";
    case review::MatchReason::kPmid: return "pmid";
    case review::MatchReason::kIdentical: return "identical";
    case review::MatchReason::kDecision: return "decision";
    case review::MatchReason::kFuzzy: break;
  }
  return "fuzzy";
}

}  // namespace

int run_dedup(const DedupArgs& args, std::ostream& out, std::ostream& err) {
  {
    std::vector<io::RunPath> inputs;
    for (const auto& f : args.files) inputs.push_back({"FILE", f});
    if (!args.decisions.empty()) inputs.push_back({"--decisions", args.decisions});
    io::check_run_paths(inputs, {{"--out", args.output.path}, {"--duplicates", args.duplicates}, {"--review", args.review}});
  }
  if (!(args.review_score > 0 && args.review_score <= args.duplicate_score && args.duplicate_score <= 1)) {
    throw Error(ErrorCategory::kInvalidOption, "need 0 < --review-score <= --duplicate-score <= 1");
  }
  // Records to a file are CSV unless the name or --format says otherwise; the summary goes where
  // the records do not.
  std::string out_format = args.output.format;
  if (!args.output.format_given && !args.output.to_stdout() && out_format == "text") out_format = "csv";
  const bool records_out = out_format != "text";
  std::ostream& summary = records_out && args.output.to_stdout() ? err : out;
  std::ostringstream summary_text;
  std::vector<review::BibRecord> records;
  io::RecordsOptions read_options;
  read_options.strict = args.strict;
  // Of several exports, one that holds no records (an image, a spreadsheet, another table) is
  // skipped with its reason, in the notes and the summary; with --strict, or when it is the only
  // file, it is the error.
  std::vector<std::string> skipped_files;
  std::optional<io::NotRecordsError> first_unread;
  for (const auto& f : args.files) {
    io::RecordsLoad load;
    try {
      load = io::read_records(f, read_options);
    } catch (const io::NotRecordsError& e) {
      if (args.strict || args.files.size() == 1) throw;
      if (!first_unread) first_unread = e;
      err << fmt::format("carta: {}: skipped: {}\n", f, e.what());
      skipped_files.push_back(f);
      continue;
    }
    err << fmt::format("carta: {}: {} records ({}, {}){}\n", f, load.records.size(), load.format, load.encoding,
                       load.skipped ? fmt::format("; {} record(s) skipped (see the notes)", load.skipped) : "");
    for (const auto& n : load.notes) err << "carta: note: " << n << '\n';
    for (auto& r : load.records) records.push_back(std::move(r));
  }
  if (skipped_files.size() == args.files.size()) throw *first_unread;
  if (records.empty()) {
    throw Error(ErrorCategory::kInvalidInput,
                fmt::format("no records to deduplicate in {}", args.files.size() == 1 ? args.files[0] : "these files"));
  }
  // Identifiers in the output: the record's own ID when unique over all files, else file:line.
  std::map<std::string, int> id_count;
  for (const auto& r : records) ++id_count[r.id];
  auto id_of = [&](std::size_t i) { return id_count[records[i].id] == 1 ? records[i].id : records[i].source; };
  review::DedupOptions options;
  options.duplicate_score = args.duplicate_score;
  options.review_score = args.review_score;
  std::vector<std::string> decision_notes;
  if (!args.decisions.empty()) options.decisions = read_dedup_decisions(args.decisions, records, decision_notes);
  const bool progress = show_progress(args.progress);
  const auto result = review::deduplicate(records, options, [&err, progress](std::string_view s) {
    if (progress) err << "carta: " << s << '\n';
  });
  auto count = [&](review::MatchReason reason) {
    return std::count_if(result.duplicates.begin(), result.duplicates.end(), [&](const auto& d) { return d.reason == reason; });
  };
  summary_text << fmt::format("{} records, {} unique, {} duplicates removed ({} by DOI, {} by PMID, {} by fuzzy match, {} identical, "
                     "{} by decision), {} pair(s) to review; {} comparisons\n",
                     records.size(), result.kept.size(), result.duplicates.size(), count(review::MatchReason::kDoi),
                     count(review::MatchReason::kPmid), count(review::MatchReason::kFuzzy), count(review::MatchReason::kIdentical),
                     count(review::MatchReason::kDecision), result.review.size(), result.comparisons);
  if (!skipped_files.empty()) {
    std::string names;
    for (const auto& f : skipped_files) names += (names.empty() ? "" : ", ") + f;
    summary_text << fmt::format("{} file(s) skipped, holding no records carta reads: {} (see the notes; --strict: an error)\n",
                                skipped_files.size(), names);
  }
  if (!args.decisions.empty()) summary_text << fmt::format("{} decision(s) applied from {}\n", result.decisions_applied, args.decisions);
  for (const auto& n : decision_notes) summary_text << "note: " << n << '\n';
  for (const auto& n : result.notes) summary_text << "note: " << n << '\n';
  if (records_out) {
    write_result(args.output, out_format == "ris" ? io::records_ris(result.merged) : io::records_csv(result.merged), out);
    summary << summary_text.str();
  } else {
    write_result(args.output, summary_text.str(), out);
  }
  if (!args.duplicates.empty()) {
    std::string dups = "record,kept,reason,score\n";
    for (const auto& d : result.duplicates) {
      dups += fmt::format("{},{},{},{:.4f}\n", io::csv_field(id_of(d.record)), io::csv_field(id_of(d.kept)), reason_name(d.reason),
                          d.score);
    }
    io::write_file_atomic(args.duplicates, dups);
  }
  if (!args.review.empty()) {
    std::string text = "key_a,key_b,record_a,record_b,score,title_a,title_b,why,duplicate\n";
    for (const auto& p : result.review) {
      text += fmt::format("{},{},{},{},{:.4f},{},{},{},\n", review::record_key(records[p.a]), review::record_key(records[p.b]),
                          io::csv_field(id_of(p.a)), io::csv_field(id_of(p.b)), p.score, io::csv_field(records[p.a].title),
                          io::csv_field(records[p.b].title), io::csv_field(p.why));
    }
    io::write_file_atomic(args.review, text);
  }
  return 0;
}

CLI::App* add_reconcile_command(CLI::App& app, ReconcileArgs& args) {
  auto* cmd = app.add_subcommand("reconcile", "Compare two extractors' tables cell by cell (dual data extraction)");
  cmd->footer(R"footer(
Rows are matched on --key (case and blanks ignored). Numbers are compared by value (12 and 12.0
agree), text after normalising case and blanks; values that differ only in punctuation or blanks
("CD19-CAR" / "CD19 CAR") are listed as a lower class. Prints every difference with both values and
lines (--format json: the same as data). --out FILE.csv (or --format csv) writes the merged table: every row and column either extractor has (agreed values, empty
where they disagree, one-sided rows and columns as that side has them) and a last column,
reconcile_status, saying what disagrees and what only one side has. --conflicts writes the list
(key,column,kind,a,b,line_a,line_b; kind is value, formatting, row_only_in_a or row_only_in_b).
Exit code 0 when the tables agree (formatting differences alone included), 1 when they do not.

Example (two extractors' sheets in carta's examples/extraction folder; exit status 1: they differ):
  carta reconcile examples/extraction/extractor_a.csv examples/extraction/extractor_b.csv --key study_id --out merged.csv --conflicts conflicts.csv)footer");
  cmd->add_option("a", args.a, "first extractor's table")->required();
  cmd->add_option("b", args.b, "second extractor's table")->required();
  add_label_option(cmd, args.label, "the column identifying a study (--key is the same option)", "--key")->required();
  add_output_options(cmd, args.output, {"text", "csv", "json"},
                     "the differences (text, json) or the merged table (csv; a file is csv unless --format says "
                     "otherwise)");
  cmd->add_option("--conflicts", args.conflicts, "the list of differences (CSV)")->option_text("FILE");
  return cmd;
}

int run_reconcile(const ReconcileArgs& args, std::ostream& out, std::ostream& err) {
  io::check_run_paths({{"A", args.a}, {"B", args.b}}, {{"--out", args.output.path}, {"--conflicts", args.conflicts}});
  std::string format = args.output.format;
  if (!args.output.format_given && !args.output.to_stdout() && format == "text") format = "csv";  // as before: the merged table
  // The differences as text go to standard output unless the result does.
  std::ostringstream report;
  auto sheet = [](const io::Table& t) { return review::ExtractionTable{t.source, t.header, t.rows, t.lines}; };
  const auto result = review::reconcile(sheet(io::read_table(args.a)), sheet(io::read_table(args.b)), args.label);
  std::size_t values = 0;
  for (const auto& c : result.conflicts) values += c.kind == review::ConflictKind::kValue ? 1 : 0;
  report << fmt::format("{} rows in both, {} cells compared, {} agree ({:.1f}%), {} disagreement(s), {} differ in "
                     "punctuation or blanks only\n",
                     result.rows_compared, result.cells_compared, result.cells_agreeing,
                     result.cells_compared ? 100.0 * static_cast<double>(result.cells_agreeing) / static_cast<double>(result.cells_compared) : 100.0,
                     values, result.cells_formatting);
  for (const auto& c : result.columns_only_in_a) report << fmt::format("column '{}' only in {} (kept in the merged table)\n", c, args.a);
  for (const auto& c : result.columns_only_in_b) report << fmt::format("column '{}' only in {} (kept in the merged table)\n", c, args.b);
  std::string conflicts = "key,column,kind,a,b,line_a,line_b\n";
  for (const auto& c : result.conflicts) {
    if (c.column == "(row)") {
      report << fmt::format("'{}' is only in {} (kept in the merged table)\n", c.key, c.line_a ? args.a : args.b);
    } else {
      report << fmt::format("'{}' {}{}: '{}' ({}:{}) vs '{}' ({}:{})\n", c.key, c.column,
                         c.kind == review::ConflictKind::kFormatting ? " (punctuation or blanks only)" : "", c.a, args.a,
                         c.line_a, c.b, args.b, c.line_b);
    }
    conflicts += fmt::format("{},{},{},{},{},{},{}\n", io::csv_field(c.key), io::csv_field(c.column), to_string(c.kind),
                             io::csv_field(c.a), io::csv_field(c.b), c.line_a, c.line_b);
  }
  std::string merged;
  for (std::size_t i = 0; i < result.header.size(); ++i) merged += (i ? "," : "") + io::csv_field(result.header[i]);
  merged += '\n';
  for (const auto& row : result.merged) {
    for (std::size_t i = 0; i < row.size(); ++i) merged += (i ? "," : "") + io::csv_field(row[i]);
    merged += '\n';
  }
  if (format == "csv") {
    write_result(args.output, merged, out);
    (args.output.to_stdout() ? err : out) << report.str();
  } else if (format == "json") {
    nlohmann::json j;
    io::record_build_info(j);
    j["a"] = args.a;
    j["b"] = args.b;
    j["key"] = args.label;
    j["rows_compared"] = result.rows_compared;
    j["cells_compared"] = result.cells_compared;
    j["cells_agreeing"] = result.cells_agreeing;
    j["cells_formatting"] = result.cells_formatting;
    j["columns_only_in_a"] = result.columns_only_in_a;
    j["columns_only_in_b"] = result.columns_only_in_b;
    nlohmann::json list = nlohmann::json::array();
    for (const auto& c : result.conflicts) {
      list.push_back({{"key", c.key}, {"column", c.column}, {"kind", to_string(c.kind)}, {"a", c.a}, {"b", c.b},
                      {"line_a", c.line_a}, {"line_b", c.line_b}});
    }
    j["differences"] = std::move(list);
    write_result(args.output, j.dump(2) + "\n", out);
  } else {
    write_result(args.output, report.str(), out);
  }
  if (!args.conflicts.empty()) io::write_file_atomic(args.conflicts, conflicts);
  // Differences of punctuation or blanks alone do not fail the comparison; they are listed.
  const bool agree = values == 0 && result.only_in_a.empty() && result.only_in_b.empty() &&
                     result.columns_only_in_a.empty() && result.columns_only_in_b.empty();
  return agree ? 0 : 1;
}

CLI::App* add_prisma_command(CLI::App& app, PrismaArgs& args) {
  auto* cmd = app.add_subcommand("prisma", "Draw the PRISMA 2020 flow diagram from checked counts");
  cmd->footer(kPrismaFooter);
  cmd->add_option("counts", args.file, "CSV of counts (PRISMA2020 template format)")->required();
  add_output_options(cmd, args.output, {"text", "svg", "csv"},
                     "the checked counts (text; csv: completed, in the template format) or the diagram (svg; a file "
                     "is the diagram unless --format says otherwise, with its .png and .pdf beside it)");
  return cmd;
}

int run_prisma(const PrismaArgs& args, std::ostream& out, std::ostream&) {
  std::string format = args.output.format;
  if (!args.output.format_given && !args.output.to_stdout() && format == "text") format = "svg";  // as before: the diagram
  std::filesystem::path path(args.output.path);
  std::filesystem::path png, pdf;
  if (format == "svg" && !args.output.to_stdout() && !io::is_device_or_fifo(path)) {
    if (path.extension() != ".svg") path += ".svg";
    png = path;
    pdf = path;
    png.replace_extension(".png");
    pdf.replace_extension(".pdf");
  }
  io::check_run_paths({{"FILE", args.file}}, {{"--out", path}, {"--out (PNG)", png}, {"--out (PDF)", pdf}});
  review::PrismaCounts counts = io::load_prisma_counts(io::read_table(args.file));
  const review::PrismaCheck check = review::complete_and_check(counts);
  std::string text = fmt::format("PRISMA 2020 counts checked: {} records identified, {} studies included\n",
                                 counts.database_results.value_or(0) + counts.register_results.value_or(0),
                                 counts.new_studies ? std::to_string(*counts.new_studies) : std::string("?"));
  for (const auto& d : check.derived) text += "computed: " + d + '\n';
  if (format == "csv") {
    write_result(args.output, io::prisma_csv(counts), out);
    if (!args.output.to_stdout()) out << text;
  } else if (format == "svg") {
    const std::string svg = plot::prisma_diagram_svg(counts);
    if (args.output.to_stdout() || png.empty()) {
      write_result(OutputArgs{path.string(), "svg", true}, svg, out);
    } else {
      if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
      io::write_file_atomic(path, svg);
      const std::vector<plot::RenderJob> jobs{{svg, png, pdf}};
      plot::render_all(jobs);
      out << fmt::format("PRISMA 2020 flow diagram: {} (.png, .pdf)\n", path.string()) << text;
    }
  } else {
    write_result(args.output, text, out);
  }
  return 0;
}

CLI::App* add_rob_command(CLI::App& app, RobArgs& args) {
  auto* cmd = app.add_subcommand("rob", "Risk-of-bias tables and robvis-style traffic-light and summary plots");
  cmd->footer(kRobFooter);
  cmd->add_option("file", args.file, "CSV with one row per study")->required();
  cmd->add_option("--tool", args.tool,
                  "rob2, rob2-cluster, rob1, robins-i, robins-e, quadas-2, quips, ihe, nos or generic")
      ->capture_default_str();
  add_output_options(cmd, args.output, {"text", "json"}, "the judgements and notes (json: what rob.json holds)");
  add_out_dir_option(cmd, args.out_dir, "the figures traffic_light and summary (.svg, .png, .pdf) and rob.json");
  cmd->add_option("--palette", args.palette, "cochrane or colourblind")->capture_default_str();
  cmd->add_flag("--weighted", args.weighted, "summary plot weighted by the weight column (sample size)");
  cmd->add_option("--weight", args.weight, "the weight column (default: a column named weight)");
  add_label_option(cmd, args.label, "the study column (default: a column named study, else the first)");
  cmd->add_option("--ignore", args.ignore, "a column to leave out, e.g. notes (repeatable)");
  cmd->add_option("--threshold", args.threshold, "ihe: share of rated items met for acceptable quality")
      ->capture_default_str();
  cmd->add_option("--title", args.title, "title of both figures");
  return cmd;
}

int run_rob(const RobArgs& args, std::ostream& out, std::ostream& err) {
  OutputArgs output = args.output;
  std::string out_dir = args.out_dir;
  if (const auto note = out_as_folder(output, out_dir)) err << "carta: note: " << *note << '\n';
  {
    std::vector<io::RunPath> outputs{{"--out", output.path}};
    if (!out_dir.empty()) {
      for (const char* f : {"traffic_light.svg", "traffic_light.png", "traffic_light.pdf", "summary.svg", "summary.png",
                            "summary.pdf", "rob.json"}) {
        outputs.push_back({"--out-dir", std::filesystem::path(out_dir) / f});
      }
    }
    io::check_run_paths({{"FILE", args.file}}, outputs);
  }
  const review::RobTool& tool = review::rob_tool(args.tool);
  plot::RobPlotOptions options;
  if (args.palette == "colourblind" || args.palette == "colorblind") {
    options.palette = plot::RobPalette::kColourblind;
  } else if (args.palette != "cochrane") {
    throw Error(ErrorCategory::kInvalidOption, fmt::format("--palette '{}' is not one of: cochrane, colourblind", args.palette));
  }
  options.weighted = args.weighted;
  options.title = args.title.empty() ? tool.name : args.title;
  io::RobColumns columns;
  if (!args.label.empty()) columns.study = args.label;
  if (!args.weight.empty()) columns.weight = args.weight;
  columns.ignore = args.ignore;
  columns.ihe_threshold = args.threshold;
  const io::Table table = io::read_table(args.file);
  const review::RobAssessment a = io::load_rob_assessment(table, tool, columns);
  if (args.weighted && !std::any_of(a.studies.begin(), a.studies.end(), [](const auto& s) { return s.weight != 1.0; })) {
    err << "carta: note: --weighted without a weight column: every study weighs the same\n";
  }

  nlohmann::json j;
  io::record_build_info(j);
  j["tool"] = tool.id;
  j["tool_name"] = tool.name;
  j["overall_rule"] = tool.rule_text;
  nlohmann::json domains = nlohmann::json::array();
  for (const auto& d : a.domains) domains.push_back({{"id", d.id}, {"name", d.name}});
  j["domains"] = domains;
  nlohmann::json studies = nlohmann::json::array();
  for (const auto& s : a.studies) {
    nlohmann::json row = {{"study", s.study}, {"overall", tool.levels[s.overall].name}, {"weight", s.weight},
                          {"notes", s.notes}};
    nlohmann::json judgements = nlohmann::json::array();
    for (auto level : s.domains) judgements.push_back(tool.levels[level].name);
    row["domains"] = judgements;
    if (!s.stars.empty()) row["stars"] = s.stars;
    row["overall_by_rule"] = tool.levels[s.by_rule].name;
    row["overall_source"] = s.reported ? "reviewers" : "rule";
    if (tool.rule == review::OverallRule::kItemsMet) {
      row["items_met"] = s.items_met;
      row["items_rated"] = s.items_rated;
      row["overall"] = s.overall == 0 ? "Acceptable" : "Not acceptable";
      row["overall_by_rule"] = row["overall"];
    }
    if (s.reported) row["reported_overall"] = tool.levels[*s.reported].name;
    studies.push_back(std::move(row));
  }
  j["studies"] = studies;
  nlohmann::json shares = nlohmann::json::array();
  for (const auto& d : review::summarise(a, args.weighted)) {
    nlohmann::json by_level = nlohmann::json::object();
    for (std::size_t l = 0; l < d.share.size(); ++l) by_level[tool.levels[l].name] = d.share[l];
    shares.push_back({{"domain", d.name}, {"share", by_level}});
  }
  j["summary"] = {{"weighted", args.weighted}, {"domains", shares}};
  if (tool.rule == review::OverallRule::kItemsMet) j["threshold"] = a.threshold;
  j["notes"] = a.notes;
  const std::string json_text = j.dump(2) + "\n";
  std::string text = fmt::format("{}: {} studies, {} domains\n", tool.name, a.studies.size(), a.domains.size());
  for (const auto& s : a.studies) {
    text += fmt::format("{:<24} {}\n", s.study,
                        tool.rule == review::OverallRule::kItemsMet ? (s.overall == 0 ? "Acceptable" : "Not acceptable")
                                                                    : tool.levels[s.overall].name);
  }
  for (const auto& s : a.studies) {
    for (const auto& n : s.notes) text += fmt::format("note: {}: {}\n", s.study, n);
  }
  for (const auto& n : a.notes) text += "note: " + n + '\n';
  if (!out_dir.empty()) {
    const std::filesystem::path dir(out_dir);
    io::create_output_folder(dir);
    const std::string traffic = plot::traffic_light_svg(a, options);
    const std::string summary = plot::rob_summary_svg(a, options);
    io::write_file_atomic(dir / "traffic_light.svg", traffic);
    io::write_file_atomic(dir / "summary.svg", summary);
    const std::vector<plot::RenderJob> jobs{{traffic, dir / "traffic_light.png", dir / "traffic_light.pdf"},
                                            {summary, dir / "summary.png", dir / "summary.pdf"}};
    plot::render_all(jobs);
    io::write_file_atomic(dir / "rob.json", json_text);
    err << fmt::format("carta: wrote {}/traffic_light and {}/summary (.svg, .png, .pdf) and {}/rob.json\n", out_dir, out_dir,
                       out_dir);
  }
  write_result(output, output.format == "json" ? json_text : text, out);
  return 0;
}

}  // namespace carta::cli
