// The search-export readers of src/io/records, one block of tests per format (issue 17): records
// with continuation lines, encodings (UTF-8 with a byte-order mark, UTF-16, Latin-1 converted
// with a note), a truncated file, a record that cannot be read (skipped with file:line and
// counted; an error with strict), an empty file, and files that are no records export. The
// fixtures are written here, in each format as the databases write it; the real exports are read
// by bench/records_validation instead.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "carta/error.hpp"
#include "carta/io/records.hpp"

namespace carta {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

io::RecordsLoad parse(std::string_view bytes, const std::string& source = "f") { return io::parse_records(bytes, source); }

io::RecordsLoad parse_strict(std::string_view bytes, const std::string& source = "f") {
  io::RecordsOptions options;
  options.strict = true;
  return io::parse_records(bytes, source, options);
}

// The message of the error parsing throws ("no error" when it throws none).
std::string error_of(std::string_view bytes, bool strict = false, const std::string& source = "f") {
  try {
    strict ? parse_strict(bytes, source) : parse(bytes, source);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

// All notes in one text, for HasSubstr.
std::string notes_of(const io::RecordsLoad& load) {
  std::string all;
  for (const auto& n : load.notes) all += n + "\n";
  return all;
}

// The code points of UTF-8 text (the fixtures are valid UTF-8).
std::u32string code_points(std::string_view utf8) {
  std::u32string out;
  for (std::size_t i = 0; i < utf8.size();) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    const int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (int k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(utf8[i + k]) & 0x3F);
    out += cp;
    i += static_cast<std::size_t>(n);
  }
  return out;
}

// One record skipped with this note, `kept` read.
void expect_one_skipped(const io::RecordsLoad& load, std::size_t kept, const std::string& note) {
  EXPECT_EQ(load.records.size(), kept);
  EXPECT_EQ(load.skipped, 1u);
  EXPECT_THAT(notes_of(load), HasSubstr(note));
}

// UTF-16 little-endian with its byte-order mark, as Windows tools save "Unicode" text.
std::string utf16le(std::string_view utf8) {
  std::string out = "\xFF\xFE";
  for (char32_t cp : code_points(utf8)) {
    auto unit = [&](char32_t u) {
      out += static_cast<char>(u & 0xFF);
      out += static_cast<char>((u >> 8) & 0xFF);
    };
    if (cp >= 0x10000) {
      cp -= 0x10000;
      unit(0xD800 + (cp >> 10));
      unit(0xDC00 + (cp & 0x3FF));
    } else {
      unit(cp);
    }
  }
  return out;
}

// Latin-1 bytes (every code point of the fixture is below 256).
std::string latin1(std::string_view utf8) {
  std::string out;
  for (char32_t cp : code_points(utf8)) out += static_cast<char>(cp);
  return out;
}

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// Checks shared by every format: an empty file and a file of blank lines are loads without
// records and a note, never an error.
void expect_empty_is_a_note(const std::string& source) {
  const auto empty = io::parse_records("", source);
  EXPECT_THAT(empty.records, IsEmpty());
  EXPECT_EQ(empty.skipped, 0u);
  EXPECT_THAT(notes_of(empty), HasSubstr(source + ": the file is empty (0 bytes): no records"));
  const auto blank = io::parse_records("\r\n\n  \n", source);
  EXPECT_THAT(blank.records, IsEmpty());
  EXPECT_THAT(notes_of(blank), HasSubstr("only blank lines"));
}

// ------------------------------------------------------------------------------------------------
// RIS

// Two records as Web of Science and EndNote write them: numbered ("1.", "Record #2 of 2"),
// wrapped title, keywords (a wrapped KW line is another keyword), notes and abstract, two SN lines.
constexpr std::string_view kRis =
    "1.\n"
    "TY  - JOUR\n"
    "AU  - Maude, Shannon L.\n"
    "AU  - Laetsch, Theodore W.\n"
    "TI  - Tisagenlecleucel in children and young adults\n"
    "with B-cell lymphoblastic leukemia\n"
    "T2  - New England Journal of Medicine\n"
    "J2  - N Engl J Med\n"
    "PY  - 2018\n"
    "VL  - 378\n"
    "IS  - 5\n"
    "SP  - 439\n"
    "EP  - 448\n"
    "SN  - 0028-4793\n"
    "SN  - 1533-4406\n"
    "KW  - chimeric antigen receptor\n"
    "immunotherapy\n"
    "N1  - Cited References:\n"
    "Smith J, 2010, BLOOD\n"
    "DO  - 10.1056/NEJMoa1709866\n"
    "AB  - Tisagenlecleucel produced high remission rates\n"
    "  in a global study.\n"
    "ER  - \n"
    "\n"
    "Record #2 of 2\n"
    "TY  - CONF\n"
    "AU  - Grupp, S.\n"
    "TI  - ELIANA update: relapse-free survival at 24 months\n"
    "PY  - 2019\n"
    "T2  - Blood\n"
    "ER  - \n";

TEST(RecordsRis, ContinuationLinesNumberedRecordsAndRepeatedTags) {
  const auto load = parse(kRis, "wos.ris");
  EXPECT_EQ(load.format, "RIS");
  EXPECT_EQ(load.skipped, 0u);
  ASSERT_EQ(load.records.size(), 2u);
  const auto& r = load.records[0];
  EXPECT_EQ(r.title, "Tisagenlecleucel in children and young adults with B-cell lymphoblastic leukemia");
  EXPECT_THAT(r.authors, ElementsAre("Maude, Shannon L.", "Laetsch, Theodore W."));
  EXPECT_EQ(r.journal, "New England Journal of Medicine");
  EXPECT_EQ(r.journal_abbrev, "N Engl J Med");
  EXPECT_EQ(r.year, "2018");
  EXPECT_EQ(r.pages, "439-448");
  EXPECT_THAT(r.issn, ElementsAre("0028-4793", "1533-4406"));
  EXPECT_THAT(r.keywords, ElementsAre("chimeric antigen receptor", "immunotherapy"));
  EXPECT_EQ(r.doi, "10.1056/NEJMoa1709866");
  EXPECT_EQ(r.abstract, "Tisagenlecleucel produced high remission rates in a global study.");
  EXPECT_EQ(r.source, "wos.ris:2");
  EXPECT_EQ(load.records[1].type_code, "CONF");
  EXPECT_EQ(load.records[1].source, "wos.ris:26");
}

TEST(RecordsRis, EncodingsAreConvertedWithANote) {
  const std::string text = "TY  - JOUR\nTI  - Müller's CAR-T trial in Łódź\nAU  - Ortíz, José\nPY  - 2020\nER  - \n";
  const auto with_bom = parse(std::string(kBom) + text);
  ASSERT_EQ(with_bom.records.size(), 1u);
  EXPECT_EQ(with_bom.records[0].title, "Müller's CAR-T trial in Łódź");
  EXPECT_EQ(with_bom.encoding, "UTF-8 (byte-order mark)");
  const auto utf16 = parse(utf16le(text), "u16.ris");
  ASSERT_EQ(utf16.records.size(), 1u);
  EXPECT_EQ(utf16.records[0].title, "Müller's CAR-T trial in Łódź");
  EXPECT_EQ(utf16.encoding, "UTF-16LE (byte-order mark)");
  EXPECT_THAT(notes_of(utf16), AllOf(HasSubstr("u16.ris"), HasSubstr("UTF-16LE")));
  const std::string latin = "TY  - JOUR\nTI  - Müller's trial in São Paulo\nAU  - Ortíz, José\nER  - \n";
  const auto l1 = parse(latin1(latin), "l1.ris");
  ASSERT_EQ(l1.records.size(), 1u);
  EXPECT_EQ(l1.records[0].title, "Müller's trial in São Paulo");
  EXPECT_EQ(l1.records[0].authors[0], "Ortíz, José");
  EXPECT_THAT(l1.encoding, HasSubstr("1252"));
  EXPECT_THAT(notes_of(l1), AllOf(HasSubstr("l1.ris"), HasSubstr("Windows-1252"), HasSubstr("UTF-8")));
}

TEST(RecordsRis, TruncatedFileKeepsWhatWasRead) {
  const std::string cut(kRis.substr(0, kRis.find("PY  - 2019")));
  const auto load = parse(cut, "cut.ris");
  ASSERT_EQ(load.records.size(), 2u);
  EXPECT_EQ(load.records[1].title, "ELIANA update: relapse-free survival at 24 months");
  EXPECT_THAT(notes_of(load), HasSubstr("cut.ris:26: the last record has no ER line (the file may be truncated); it is kept"));
  EXPECT_THAT(error_of(cut, true, "cut.ris"), HasSubstr("cut.ris:26: the last record has no ER line"));
}

TEST(RecordsRis, UnreadableRecordIsSkippedAndCounted) {
  const std::string text = "TY  - JOUR\nTI  - First\nER  - \nTY  - JOUR\nAU  - Nobody, A.\nPY  - 2001\nER  - \n"
                           "TY  - JOUR\nTI  - Third\nER  - \n";
  const auto load = parse(text, "s.ris");
  ASSERT_EQ(load.records.size(), 2u);
  EXPECT_EQ(load.skipped, 1u);
  EXPECT_EQ(load.records[1].title, "Third");
  EXPECT_THAT(notes_of(load), HasSubstr("s.ris:4: the record has no title and no identifier"));
  EXPECT_THAT(error_of(text, true, "s.ris"), HasSubstr("s.ris:4: the record has no title and no identifier"));
}

TEST(RecordsRis, EmptyAndNotAnExport) {
  expect_empty_is_a_note("e.ris");
  const auto not_ris = error_of("Dear colleague,\nplease find the results attached.\n", false, "letter.ris");
  EXPECT_THAT(not_ris, AllOf(HasSubstr("letter.ris: not a records export"), HasSubstr("the first line is 'Dear colleague,'"),
                             HasSubstr("carta reads RIS"), HasSubstr("BibTeX")));
  EXPECT_THAT(not_ris, ::testing::Not(HasSubstr("missing ','")));
}

// ------------------------------------------------------------------------------------------------
// PubMed MEDLINE

constexpr std::string_view kMedline =
    "PMID- 29385370\n"
    "OWN - NLM\n"
    "TI  - Tisagenlecleucel in Children and Young Adults with B-Cell Lymphoblastic\n"
    "      Leukemia.\n"
    "LID - 10.1056/NEJMoa1709866 [doi]\n"
    "AB  - BACKGROUND: In a single-center phase 1-2a study, the CD19-directed therapy\n"
    "      produced high rates of complete remission.\n"
    "FAU - Maude, Shannon L\n"
    "AU  - Maude SL\n"
    "AD  - Children's Hospital of Philadelphia, Philadelphia,\n"
    "      PA, USA.\n"
    "FAU - Laetsch, Theodore W\n"
    "AU  - Laetsch TW\n"
    "IS  - 1533-4406 (Electronic)\n"
    "IS  - 0028-4793 (Linking)\n"
    "DP  - 2018 Feb 1\n"
    "VI  - 378\n"
    "IP  - 5\n"
    "PG  - 439-448\n"
    "JT  - The New England journal of medicine\n"
    "TA  - N Engl J Med\n"
    "MH  - Antigens, CD19/immunology\n"
    "MH  - Child\n"
    "OT  - CAR T cells\n"
    "PMC - PMC6996391\n"
    "\n"
    "PMID- 34097852\n"
    "TI  - Brexucabtagene autoleucel for adults with relapsed or refractory B-cell\n"
    "      acute lymphoblastic leukaemia.\n"
    "AU  - Shah BD\n"
    "DP  - 2021 Aug 7\n"
    "AID - S0140-6736(21)01222-8 [pii]\n"
    "AID - 10.1016/S0140-6736(21)01222-8 [doi]\n"
    "TA  - Lancet\n"
    "JT  - Lancet (London, England)\n";

TEST(RecordsMedline, WrappedFieldsContinueTheirTag) {
  const auto load = parse(kMedline, "p.nbib");
  EXPECT_EQ(load.format, "MEDLINE");
  ASSERT_EQ(load.records.size(), 2u);
  const auto& r = load.records[0];
  EXPECT_EQ(r.id, "29385370");
  EXPECT_EQ(r.pmid, "29385370");
  EXPECT_EQ(r.title, "Tisagenlecleucel in Children and Young Adults with B-Cell Lymphoblastic Leukemia.");
  EXPECT_EQ(r.abstract,
            "BACKGROUND: In a single-center phase 1-2a study, the CD19-directed therapy produced high rates of complete remission.");
  EXPECT_EQ(r.authors.size(), 2u);
  EXPECT_EQ(r.doi, "10.1056/NEJMoa1709866");
  EXPECT_EQ(r.year, "2018");
  EXPECT_EQ(r.journal, "The New England journal of medicine");
  EXPECT_EQ(r.journal_abbrev, "N Engl J Med");
  EXPECT_EQ(r.pmcid, "PMC6996391");
  EXPECT_THAT(r.issn, ElementsAre("1533-4406", "0028-4793"));
  EXPECT_THAT(r.keywords, ElementsAre("Antigens, CD19/immunology", "Child", "CAR T cells"));
  EXPECT_EQ(load.records[1].doi, "10.1016/S0140-6736(21)01222-8");
  EXPECT_EQ(load.records[1].title,
            "Brexucabtagene autoleucel for adults with relapsed or refractory B-cell acute lymphoblastic leukaemia.");
}

TEST(RecordsMedline, EncodingsAreConverted) {
  const std::string text = "PMID- 1\nTI  - Étude française des CAR-T\nAU  - Müller J\nDP  - 2019\n";
  const auto u16 = parse(utf16le(text), "u.nbib");
  ASSERT_EQ(u16.records.size(), 1u);
  EXPECT_EQ(u16.records[0].title, "Étude française des CAR-T");
  EXPECT_EQ(u16.format, "MEDLINE");
  const auto l1 = parse(latin1(text), "l.nbib");
  ASSERT_EQ(l1.records.size(), 1u);
  EXPECT_EQ(l1.records[0].authors[0], "Müller J");
  EXPECT_THAT(notes_of(l1), HasSubstr("Windows-1252"));
  EXPECT_EQ(parse(std::string(kBom) + text).records.size(), 1u);
}

TEST(RecordsMedline, TruncatedFileKeepsTheRecordsBefore) {
  const std::string cut(kMedline.substr(0, kMedline.find("      acute lymphoblastic")));
  const auto load = parse(cut, "cut.nbib");
  ASSERT_EQ(load.records.size(), 2u);
  EXPECT_EQ(load.records[1].pmid, "34097852");
  EXPECT_EQ(load.records[1].title, "Brexucabtagene autoleucel for adults with relapsed or refractory B-cell");
}

TEST(RecordsMedline, UnindentedLineIsRepairedOrAnErrorWhenStrict) {
  const std::string text = "PMID- 1\nTI  - A title\nwrapped without indent\nDP  - 2001\n";
  const auto load = parse(text, "m.nbib");
  ASSERT_EQ(load.records.size(), 1u);
  EXPECT_EQ(load.records[0].title, "A title wrapped without indent");
  EXPECT_THAT(notes_of(load), HasSubstr("m.nbib:3: 'wrapped without indent' is not a MEDLINE line"));
  EXPECT_THAT(error_of(text, true, "m.nbib"), HasSubstr("m.nbib:3: 'wrapped without indent' is not a MEDLINE line"));
}

TEST(RecordsMedline, UnreadableRecordIsSkippedAndCounted) {
  // A record whose PMID line is empty and that has no title: nothing names it.
  const std::string text = "PMID- 10\nTI  - First\n\nPMID- \nAU  - Nobody A\n\nPMID- 12\nTI  - Third\n";
  const auto load = parse(text, "s.nbib");
  ASSERT_EQ(load.records.size(), 2u);
  EXPECT_EQ(load.skipped, 1u);
  EXPECT_THAT(notes_of(load), HasSubstr("s.nbib:4: the record has no title and no identifier"));
  EXPECT_THAT(error_of(text, true, "s.nbib"), HasSubstr("s.nbib:4:"));
}

TEST(RecordsMedline, Empty) { expect_empty_is_a_note("e.nbib"); }

// ------------------------------------------------------------------------------------------------
// Web of Science plain text and tab-delimited

constexpr std::string_view kWos =
    "FN Clarivate Analytics Web of Science\n"
    "VR 1.0\n"
    "PT J\n"
    "AU Maude, SL\n"
    "   Laetsch, TW\n"
    "AF Maude, Shannon L.\n"
    "   Laetsch, Theodore W.\n"
    "TI Tisagenlecleucel in Children and Young Adults with B-Cell\n"
    "   Lymphoblastic Leukemia\n"
    "SO NEW ENGLAND JOURNAL OF MEDICINE\n"
    "DT Article\n"
    "DE CAR T; immunotherapy;\n"
    "   leukemia\n"
    "AB Tisagenlecleucel produced\n"
    "   high remission rates.\n"
    "SN 0028-4793\n"
    "EI 1533-4406\n"
    "J9 NEW ENGL J MED\n"
    "PY 2018\n"
    "VL 378\n"
    "IS 5\n"
    "BP 439\n"
    "EP 448\n"
    "DI 10.1056/NEJMoa1709866\n"
    "PM 29385370\n"
    "UT WOS:000423829300008\n"
    "ER\n"
    "\n"
    "PT J\n"
    "AU Shah, BD\n"
    "TI Brexucabtagene autoleucel in adults\n"
    "SO LANCET\n"
    "PY 2021\n"
    "AR e123\n"
    "UT WOS:000681234500001\n"
    "ER\n"
    "\n"
    "EF\n";

TEST(RecordsWos, PlainTextWithContinuationLines) {
  const auto load = parse(kWos, "w.ciw");
  EXPECT_EQ(load.format, "Web of Science");
  ASSERT_EQ(load.records.size(), 2u);
  const auto& r = load.records[0];
  EXPECT_EQ(r.title, "Tisagenlecleucel in Children and Young Adults with B-Cell Lymphoblastic Leukemia");
  EXPECT_EQ(r.authors.size(), 2u);
  EXPECT_EQ(r.authors[0], "Maude, SL");  // AU, as every database abbreviates; AF only without AU
  EXPECT_EQ(r.journal, "NEW ENGLAND JOURNAL OF MEDICINE");
  EXPECT_THAT(r.keywords, ElementsAre("CAR T", "immunotherapy", "leukemia"));
  EXPECT_EQ(r.abstract, "Tisagenlecleucel produced high remission rates.");
  EXPECT_EQ(r.pages, "439-448");
  EXPECT_EQ(r.pmid, "29385370");
  EXPECT_THAT(r.issn, ElementsAre("0028-4793", "1533-4406"));
  EXPECT_THAT(r.accession, ElementsAre("WOS:000423829300008"));
  EXPECT_EQ(load.records[1].article_number, "e123");
}

TEST(RecordsWos, EncodingsTruncationAndSkippedRecords) {
  const std::string text = "FN Web of Science\nVR 1.0\nPT J\nAU Müller, J\nTI Évaluation des CAR-T\nPY 2020\nER\nEF\n";
  EXPECT_EQ(parse(utf16le(text)).records.at(0).title, "Évaluation des CAR-T");
  EXPECT_EQ(parse(latin1(text)).records.at(0).authors.at(0), "Müller, J");
  EXPECT_EQ(parse(std::string(kBom) + text).format, "Web of Science");
  const std::string cut(kWos.substr(0, kWos.find("PY 2021")));
  const auto load = parse(cut, "cut.ciw");
  ASSERT_EQ(load.records.size(), 2u);
  EXPECT_THAT(notes_of(load), HasSubstr("cut.ciw:29: the last record has no ER line"));
  EXPECT_THAT(error_of(cut, true, "cut.ciw"), HasSubstr("cut.ciw:29:"));
  const std::string skip = "FN x\nVR 1.0\nPT J\nTI One\nER\nPT J\nAU Nobody, A\nER\nPT J\nTI Three\nER\nEF\n";
  const auto skipped = parse(skip, "s.ciw");
  EXPECT_EQ(skipped.records.size(), 2u);
  EXPECT_EQ(skipped.skipped, 1u);
  EXPECT_THAT(notes_of(skipped), HasSubstr("s.ciw:6: the record has no title"));
  EXPECT_THAT(error_of(skip, true, "s.ciw"), HasSubstr("s.ciw:6:"));
  expect_empty_is_a_note("e.ciw");
}

TEST(RecordsWos, TabDelimited) {
  const std::string text =
      "PT\tAU\tTI\tSO\tDE\tPY\tBP\tEP\tDI\tUT\n"
      "J\tMaude, SL; Laetsch, TW\tTisagenlecleucel in children\tNEW ENGLAND JOURNAL OF MEDICINE\tCAR T; leukemia\t2018\t439\t448\t"
      "10.1056/NEJMoa1709866\tWOS:000423829300008\n"
      "J\tShah, BD\tBrexucabtagene autoleucel\tLANCET\t\t2021\t491\t502\t\tWOS:000681234500001\n";
  const auto load = parse(text, "w.txt");
  EXPECT_EQ(load.format, "tab-delimited");
  ASSERT_EQ(load.records.size(), 2u);
  EXPECT_THAT(load.records[0].authors, ElementsAre("Maude, SL", "Laetsch, TW"));
  EXPECT_THAT(load.records[0].keywords, ElementsAre("CAR T", "leukemia"));
  EXPECT_EQ(load.records[0].pages, "439-448");
  EXPECT_THAT(load.records[1].accession, ElementsAre("WOS:000681234500001"));
  EXPECT_EQ(load.records[1].source, "w.txt:3");
}

// Web of Science "Tab-delimited (Win, UTF-16)" is the default on Windows; Mac and UTF-8 variants
// too. A row cut short, a row with too many cells, and an empty file.
TEST(RecordsWos, TabDelimitedEncodingsTruncationBadRowsAndEmpty) {
  const std::string text =
      "PT\tAU\tTI\tSO\tPY\tDI\tUT\n"
      "J\tMüller, J; Grupp, S\tQualité de vie après CAR-T\tBLOOD\t2019\t10.1182/blood.2019\tWOS:000000000000001\n"
      "J\tShah, BD\tBrexucabtagene autoleucel\tLANCET\t2021\t\tWOS:000681234500001\n";
  const auto u16 = parse(utf16le(text), "w16.txt");
  EXPECT_EQ(u16.format, "tab-delimited");
  EXPECT_EQ(u16.encoding, "UTF-16LE (byte-order mark)");
  ASSERT_EQ(u16.records.size(), 2u);
  EXPECT_EQ(u16.records[0].title, "Qualité de vie après CAR-T");
  EXPECT_THAT(u16.records[0].authors, ElementsAre("Müller, J", "Grupp, S"));
  EXPECT_THAT(notes_of(u16), HasSubstr("UTF-16"));
  const auto bom = parse(std::string(kBom) + text, "bom.txt");
  ASSERT_EQ(bom.records.size(), 2u);
  EXPECT_EQ(bom.records[0].doi, "10.1182/blood.2019");  // the BOM is not part of the first column's name
  const auto l1 = parse(latin1(text), "w1252.txt");
  ASSERT_EQ(l1.records.size(), 2u);
  EXPECT_EQ(l1.records[0].title, "Qualité de vie après CAR-T");
  EXPECT_THAT(notes_of(l1), HasSubstr("Windows-1252"));
  // Cut in the middle of the last row: the row is kept with the cells it has.
  const std::string cut = text.substr(0, text.find("LANCET"));
  const auto c = parse(cut, "cut.txt");
  ASSERT_EQ(c.records.size(), 2u);
  EXPECT_EQ(c.records[1].title, "Brexucabtagene autoleucel");
  // A row with more cells than the header is skipped and named; --strict makes it the error.
  const std::string rows = text + "J\tX, Y\tThird\tBLOOD\t2020\t\tWOS:3\tstray\textra\n";
  expect_one_skipped(parse(rows, "bad.txt"), 2, "bad.txt:4: the row has 9 fields, the header 7");
  EXPECT_THAT(error_of(rows, true, "bad.txt"), HasSubstr("bad.txt:4:"));
  // A row without a title or identifier cannot be a record.
  expect_one_skipped(parse("PT\tAU\tTI\tPY\nJ\tX, Y\t\t2020\nJ\tZ, W\tKept\t2021\n", "u.txt"), 1,
                     "u.txt:2: the record has no title");
  // Only the header: no records, and a note that says so rather than an error.
  const auto header_only = parse("PT\tAU\tTI\tPY\n", "h.txt");
  EXPECT_THAT(header_only.records, IsEmpty());
  expect_empty_is_a_note("e.txt");
}

// ------------------------------------------------------------------------------------------------
// Ovid

constexpr std::string_view kOvid =
    "Database: Embase <1974 to 2024>\n"
    "Search Strategy:\n"
    "1 exp chimeric antigen receptor/ (100)\n"
    "\n"
    "<1. >\n"
    "VN  - Ovid Technologies\n"
    "DB  - Embase\n"
    "UI  - 621381829\n"
    "ST  - CONFERENCE ABSTRACT\n"
    "TI  - Tisagenlecleucel in young adults: a conference\n"
    "      abstract.\n"
    "SO  - Blood. 132(Supplement 1):1234, 2018.\n"
    "AU  - Maude S.L.\n"
    "AU  - Grupp S.\n"
    "MH  - *chimeric antigen receptor\n"
    "MH  - human\n"
    "AB  - Children were treated. The remission rate\n"
    "was high.\n"
    "DO  - https://dx.doi.org/10.1182/blood-2018-99-1234\n"
    "\n"
    "<2. >\n"
    "VN  - Ovid Technologies\n"
    "DB  - Embase\n"
    "UI  - 621381830\n"
    "TI  - Second record\n"
    "SO  - Lancet. 398(10299):491-502, 2021.\n"
    "AU  - Shah B.D.\n";

TEST(RecordsOvid, CompleteReferenceLayout) {
  const auto load = parse(kOvid, "e.ovd");
  EXPECT_EQ(load.format, "Ovid");
  ASSERT_EQ(load.records.size(), 2u);
  const auto& r = load.records[0];
  EXPECT_EQ(r.title, "Tisagenlecleucel in young adults: a conference abstract.");
  EXPECT_EQ(r.abstract, "Children were treated. The remission rate was high.");
  EXPECT_EQ(r.journal, "Blood");
  EXPECT_EQ(r.volume, "132");
  EXPECT_EQ(r.year, "2018");
  EXPECT_EQ(r.doi, "10.1182/blood-2018-99-1234");
  EXPECT_THAT(r.keywords, ElementsAre("*chimeric antigen receptor", "human"));
  EXPECT_THAT(r.accession, ::testing::Contains(HasSubstr("621381829")));
  EXPECT_EQ(r.source, "e.ovd:5");
  EXPECT_EQ(load.records[1].pages, "491-502");
  EXPECT_THAT(notes_of(load), HasSubstr("e.ovd:1: 3 line(s) outside any record ignored"));
}

TEST(RecordsOvid, EncodingsTruncationSkippedAndEmpty) {
  const std::string text = "<1. >\nTI  - Qualité de vie\nAU  - Müller J.\nSO  - Rev Méd. 1(2):3-4, 2019.\n";
  EXPECT_EQ(parse(utf16le(text)).records.at(0).title, "Qualité de vie");
  EXPECT_EQ(parse(latin1(text)).records.at(0).authors.at(0), "Müller J.");
  const std::string cut(kOvid.substr(0, kOvid.find("TI  - Second")));
  const auto load = parse(cut, "cut.ovd");
  // The cut record still has its accession number: kept; the one before is whole.
  ASSERT_EQ(load.records.size(), 2u);
  EXPECT_EQ(load.records[0].title, "Tisagenlecleucel in young adults: a conference abstract.");
  const std::string skip = "<1. >\nTI  - One\n\n<2. >\nAU  - Nobody A.\n\n<3. >\nTI  - Three\n";
  const auto skipped = parse(skip, "s.ovd");
  EXPECT_EQ(skipped.records.size(), 2u);
  EXPECT_EQ(skipped.skipped, 1u);
  EXPECT_THAT(notes_of(skipped), HasSubstr("s.ovd:4: the record has no title"));
  EXPECT_THAT(error_of(skip, true, "s.ovd"), HasSubstr("s.ovd:4:"));
  expect_empty_is_a_note("e.ovd");
}

// ------------------------------------------------------------------------------------------------
// EndNote XML

constexpr std::string_view kXml =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n"
    "<xml><records>\n"
    "<record><database name=\"My.enl\">My.enl</database><ref-type name=\"Journal Article\">17</ref-type>\n"
    "<contributors><authors><author><style face=\"normal\">Maude, S. L.</style></author>\n"
    "<author>Laetsch, T. W.</author></authors></contributors>\n"
    "<titles><title><style face=\"normal\">Tisagenlecleucel in children </style><style face=\"italic\">and young adults</style></title>\n"
    "<secondary-title>New England Journal of Medicine</secondary-title></titles>\n"
    "<periodical><full-title>New England Journal of Medicine</full-title><abbr-1>N Engl J Med</abbr-1></periodical>\n"
    "<pages>439-448</pages><volume>378</volume><number>5</number>\n"
    "<keywords><keyword>CAR T</keyword><keyword>leukemia</keyword></keywords>\n"
    "<dates><year>2018</year></dates><isbn>0028-4793</isbn>\n"
    "<electronic-resource-num>10.1056/NEJMoa1709866</electronic-resource-num>\n"
    "<abstract>High remission rates &amp; durable responses.</abstract>\n"
    "<accession-num>29385370</accession-num><remote-database-provider>NLM</remote-database-provider></record>\n"
    "<record><ref-type name=\"Journal Article\">17</ref-type><titles><title>Second record</title></titles>\n"
    "<dates><year>2021</year></dates></record>\n"
    "</records></xml>\n";

TEST(RecordsEndnoteXml, FieldsStylesAndLists) {
  const auto load = parse(kXml, "z.xml");
  EXPECT_EQ(load.format, "EndNote XML");
  ASSERT_EQ(load.records.size(), 2u);
  const auto& r = load.records[0];
  EXPECT_EQ(r.title, "Tisagenlecleucel in children and young adults");
  EXPECT_THAT(r.authors, ElementsAre("Maude, S. L.", "Laetsch, T. W."));
  EXPECT_EQ(r.journal, "New England Journal of Medicine");
  EXPECT_EQ(r.journal_abbrev, "N Engl J Med");
  EXPECT_EQ(r.pages, "439-448");
  EXPECT_THAT(r.keywords, ElementsAre("CAR T", "leukemia"));
  EXPECT_THAT(r.issn, ElementsAre("0028-4793"));
  EXPECT_EQ(r.doi, "10.1056/NEJMoa1709866");
  EXPECT_EQ(r.abstract, "High remission rates & durable responses.");
  EXPECT_EQ(r.source, "z.xml:3");
  EXPECT_EQ(load.records[1].source, "z.xml:15");
}

TEST(RecordsEndnoteXml, EncodingsTruncationBrokenRecordAndEmpty) {
  const std::string text =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><xml><records><record><titles><title>Qualité de vie</title></titles>"
      "</record></records></xml>";
  EXPECT_EQ(parse(utf16le(text)).records.at(0).title, "Qualité de vie");
  EXPECT_EQ(parse(std::string(kBom) + text).records.at(0).title, "Qualité de vie");
  EXPECT_EQ(parse(latin1(text)).records.at(0).title, "Qualité de vie");
  // Cut inside the second record: the first is whole, what there is of the second is kept.
  const std::string cut(kXml.substr(0, kXml.find("<dates><year>2021")));
  const auto load = parse(cut, "cut.xml");
  ASSERT_EQ(load.records.size(), 2u);
  EXPECT_EQ(load.records[1].title, "Second record");
  EXPECT_THAT(notes_of(load), HasSubstr("cut.xml:15: record 2: the file ends before </record>"));
  EXPECT_THAT(error_of(cut, true, "cut.xml"), HasSubstr("cut.xml:"));
  // A record with a broken tag costs that record only.
  std::string broken(kXml);
  broken.replace(broken.find("<title>Second record</title>"), 28, "<title>Second record</titel>");
  const auto one_lost = parse(broken, "b.xml");
  EXPECT_EQ(one_lost.records.size(), 1u);
  EXPECT_EQ(one_lost.skipped, 1u);
  EXPECT_THAT(notes_of(one_lost), HasSubstr("b.xml:15: record 2: XML error"));
  EXPECT_THAT(error_of(broken, true, "b.xml"), HasSubstr("b.xml:"));
  expect_empty_is_a_note("e.xml");
  EXPECT_THAT(error_of("<?xml version=\"1.0\"?><svg width=\"3\"/>", false, "pic.xml"),
              AllOf(HasSubstr("pic.xml: not a records export"), HasSubstr("<svg>"), HasSubstr("EndNote XML")));
  EXPECT_THAT(error_of("<!DOCTYPE html><html><body>Search results</body></html>", false, "page.ris"),
              HasSubstr("a web page (HTML)"));
}

// ------------------------------------------------------------------------------------------------
// BibTeX

constexpr std::string_view kBibtex =
    "% Exported by Zotero\n"
    "@string{nejm = \"New England Journal of Medicine\"}\n"
    "\n"
    "@article{maude_2018,\n"
    "  title = {Tisagenlecleucel in {Children} and Young Adults with {B}-Cell\n"
    "           Lymphoblastic Leukemia},\n"
    "  author = {Maude, Shannon L. and Laetsch, Theodore W. and M{\\\"u}ller, J{\\'o}zsef},\n"
    "  journal = nejm,\n"
    "  volume = 378,\n"
    "  number = {5},\n"
    "  pages = {439--448},\n"
    "  year = {2018},\n"
    "  doi = {10.1056/NEJMoa1709866},\n"
    "  issn = {0028-4793},\n"
    "  keywords = {CAR T, leukemia},\n"
    "  abstract = {High rates of remission \\& durable responses.},\n"
    "}\n"
    "\n"
    "@inproceedings{grupp_2019,\n"
    "  title = \"ELIANA update\",\n"
    "  booktitle = {Blood},\n"
    "  year = 2019\n"
    "}\n";

TEST(RecordsBibtex, BracesStringsAndAccents) {
  const auto load = parse(kBibtex, "z.bib");
  EXPECT_EQ(load.format, "BibTeX");
  ASSERT_EQ(load.records.size(), 2u);
  const auto& r = load.records[0];
  EXPECT_EQ(r.id, "maude_2018");
  EXPECT_EQ(r.title, "Tisagenlecleucel in Children and Young Adults with B-Cell Lymphoblastic Leukemia");
  EXPECT_THAT(r.authors, ElementsAre("Maude, Shannon L.", "Laetsch, Theodore W.", "Müller, József"));
  EXPECT_EQ(r.journal, "New England Journal of Medicine");
  EXPECT_EQ(r.volume, "378");
  EXPECT_EQ(r.pages, "439-448");  // "--" is an en dash in text, a hyphen in page ranges
  EXPECT_THAT(r.keywords, ElementsAre("CAR T", "leukemia"));
  EXPECT_EQ(r.abstract, "High rates of remission & durable responses.");
  EXPECT_EQ(r.source, "z.bib:4");
  EXPECT_EQ(load.records[1].type_code, "CONF");
}

TEST(RecordsBibtex, EncodingsTruncationBrokenEntryAndEmpty) {
  const std::string text = "@article{a, title = {Qualité de vie}, author = {Müller, J}, year = 2019}\n";
  EXPECT_EQ(parse(utf16le(text)).records.at(0).title, "Qualité de vie");
  EXPECT_EQ(parse(latin1(text)).records.at(0).authors.at(0), "Müller, J");
  const std::string cut(kBibtex.substr(0, kBibtex.find("  booktitle")));
  const auto load = parse(cut, "cut.bib");
  ASSERT_EQ(load.records.size(), 2u);
  EXPECT_THAT(notes_of(load), HasSubstr("cut.bib:19: entry 'grupp_2019' is not closed"));
  EXPECT_THAT(error_of(cut, true, "cut.bib"), HasSubstr("cut.bib:19:"));
  const std::string broken = "@article{one, title = {One}}\n@article{two, title = {Two} year = 2001}\n@article{three, title = {Three}}\n";
  const auto skipped = parse(broken, "s.bib");
  EXPECT_EQ(skipped.records.size(), 2u);
  EXPECT_EQ(skipped.skipped, 1u);
  EXPECT_EQ(skipped.records[1].title, "Three");
  EXPECT_THAT(notes_of(skipped), HasSubstr("s.bib:2: entry 'two' cannot be read"));
  EXPECT_THAT(error_of(broken, true, "s.bib"), HasSubstr("s.bib:2:"));
  expect_empty_is_a_note("e.bib");
}

// ------------------------------------------------------------------------------------------------
// Tables: Scopus CSV, Zotero CSV, EndNote tab-delimited

constexpr std::string_view kScopus =
    "\xEF\xBB\xBF\"Authors\",\"Author full names\",\"Title\",\"Year\",\"Source title\",\"Volume\",\"Issue\",\"Art. No.\","
    "\"Page start\",\"Page end\",\"DOI\",\"Abstract\",\"Author Keywords\",\"Index Keywords\",\"ISSN\",\"PubMed ID\","
    "\"Document Type\",\"Source\",\"EID\"\n"
    "\"Maude S.L.; Laetsch T.W.\",\"Maude, Shannon L. (1); Laetsch, T. (2)\",\"Tisagenlecleucel in children\",\"2018\","
    "\"New England Journal of Medicine\",\"378\",\"5\",\"\",\"439\",\"448\",\"10.1056/NEJMoa1709866\","
    "\"First line.\nSecond line, with a comma.\",\"CAR T; leukemia\",\"human; child\",\"00284793\",\"29385370\","
    "\"Article\",\"Scopus\",\"2-s2.0-85041\"\n"
    "\"Grupp S.\",\"\",\"ELIANA update\",\"2019\",\"Blood\",\"134\",\"\",\"1234\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\","
    "\"Conference Paper\",\"Scopus\",\"2-s2.0-85077\"\n";

TEST(RecordsTables, ScopusCsv) {
  const auto load = parse(kScopus, "scopus.csv");
  EXPECT_EQ(load.format, "CSV");
  ASSERT_EQ(load.records.size(), 2u);
  const auto& r = load.records[0];
  EXPECT_EQ(r.title, "Tisagenlecleucel in children");
  EXPECT_EQ(r.authors.size(), 2u);
  EXPECT_EQ(r.journal, "New England Journal of Medicine");
  EXPECT_EQ(r.pages, "439-448");
  EXPECT_EQ(r.abstract, "First line.\nSecond line, with a comma.");
  EXPECT_THAT(r.keywords, ElementsAre("CAR T", "leukemia", "human", "child"));
  EXPECT_THAT(r.issn, ElementsAre("0028-4793"));
  EXPECT_EQ(r.pmid, "29385370");
  EXPECT_EQ(r.type, "Article");
  EXPECT_EQ(load.records[1].article_number, "1234");
  EXPECT_EQ(load.records[1].type_code, "CONF");
  EXPECT_EQ(load.records[1].source, "scopus.csv:4");  // the abstract of row 2 spans two lines
}

TEST(RecordsTables, ZoteroCsvAndEndnoteTabDelimited) {
  const std::string zotero =
      "\"Key\",\"Item Type\",\"Publication Year\",\"Author\",\"Title\",\"Publication Title\",\"ISBN\",\"ISSN\",\"DOI\",\"Url\","
      "\"Abstract Note\",\"Pages\",\"Volume\",\"Manual Tags\",\"Extra\"\n"
      "\"ABCD1234\",\"journalArticle\",\"2018\",\"Maude, Shannon L.; Laetsch, Theodore W.\",\"Tisagenlecleucel in children\","
      "\"New England Journal of Medicine\",\"\",\"0028-4793, 1533-4406\",\"10.1056/NEJMoa1709866\",\"\",\"An abstract.\",\"439-448\","
      "\"378\",\"CAR T; leukemia\",\"PMID: 29385370 PMCID: PMC6996391\"\n";
  const auto z = parse(zotero, "zotero.csv");
  ASSERT_EQ(z.records.size(), 1u);
  EXPECT_EQ(z.records[0].id, "ABCD1234");
  EXPECT_EQ(z.records[0].journal, "New England Journal of Medicine");
  EXPECT_EQ(z.records[0].abstract, "An abstract.");
  EXPECT_THAT(z.records[0].issn, ElementsAre("0028-4793", "1533-4406"));
  EXPECT_EQ(z.records[0].pmid, "29385370");
  EXPECT_EQ(z.records[0].pmcid, "PMC6996391");
  const std::string endnote =
      "*Journal Article\n"
      "Author\tYear\tTitle\tJournal\tVolume\tPages\tKeywords\tAbstract\tDOI\n"
      "Maude, S. L.//Laetsch, T. W.\t2018\tTisagenlecleucel in children\tN Engl J Med\t378\t439-448\tCAR T\tAn abstract.\t"
      "10.1056/NEJMoa1709866\n";
  const auto e = parse(endnote, "endnote.txt");
  EXPECT_EQ(e.format, "tab-delimited");
  ASSERT_EQ(e.records.size(), 1u);
  EXPECT_THAT(e.records[0].authors, ElementsAre("Maude, S. L.", "Laetsch, T. W."));
  EXPECT_EQ(e.records[0].type, "Journal Article");
  EXPECT_EQ(e.records[0].source, "endnote.txt:3");
}

TEST(RecordsTables, EncodingsTruncationBadRowsAndNotAnExport) {
  const std::string text = "Title,Authors,Year\nQualité de vie,\"Müller, J\",2019\n";
  EXPECT_EQ(parse(utf16le(text)).records.at(0).title, "Qualité de vie");
  const auto l1 = parse(latin1(text), "l.csv");
  EXPECT_EQ(l1.records.at(0).authors.at(0), "Müller, J");
  EXPECT_THAT(notes_of(l1), HasSubstr("Windows-1252"));
  // Cut inside the quoted abstract of the last row.
  const std::string cut(kScopus.substr(0, kScopus.find("Second line")));
  const auto load = parse(cut, "cut.csv");
  ASSERT_EQ(load.records.size(), 1u);  // the row cut short is kept, with what there is of its abstract
  EXPECT_EQ(load.records[0].title, "Tisagenlecleucel in children");
  EXPECT_EQ(load.records[0].abstract, "First line.");
  EXPECT_THAT(notes_of(load), HasSubstr("cut.csv:2: the file ends inside a quoted field opened on line 2 (the file may be truncated); it is kept"));
  EXPECT_THAT(error_of(cut, true, "cut.csv"), HasSubstr("cut.csv:2: the file ends inside a quoted field"));
  // A quote that never closes in a file that ends with a line end is a stray quote: that row is
  // skipped and the rows after it are read.
  expect_one_skipped(parse("Title,Year\n\"Open,2001\nTwo,2002\n", "q.csv"), 1, "q.csv:2: a quote opened on line 2 never closes");
  const std::string rows = "Title,Year,DOI\nOne,2001,\nTwo,2002,10.1/x,extra\nThree,2003,\n";
  const auto skipped = parse(rows, "r.csv");
  EXPECT_EQ(skipped.records.size(), 2u);
  EXPECT_EQ(skipped.skipped, 1u);
  EXPECT_THAT(notes_of(skipped), HasSubstr("r.csv:3: the row has 4 fields, the header 3"));
  EXPECT_THAT(error_of(rows, true, "r.csv"), HasSubstr("r.csv:3:"));
  expect_empty_is_a_note("e.csv");
  // A CSV of something else says what it saw, never "check for a missing ','".
  const auto other = error_of("study,events,n\nELIANA,61,75\n", false, "studies.csv");
  EXPECT_THAT(other, AllOf(HasSubstr("studies.csv: not a records export: a table without a title column (columns: study, events, n)"),
                           HasSubstr("carta reads RIS")));
}

// ------------------------------------------------------------------------------------------------
// Files that are no export at all

// A DOI field that holds no DOI is a note naming the record, and the record is kept.
TEST(RecordsValues, ADoiFieldWithoutADoiIsANote) {
  const auto load = parse("TY  - JOUR\nTI  - One\nDO  - see the publisher's page\nER  - \n"
                          "TY  - JOUR\nTI  - Two\nDO  - doi:10.1056/NEJMoa1709866.\nER  - \n",
                          "d.ris");
  ASSERT_EQ(load.records.size(), 2u);
  EXPECT_EQ(load.records[0].doi, "");
  EXPECT_EQ(load.records[1].doi, "10.1056/NEJMoa1709866");
  EXPECT_THAT(notes_of(load), HasSubstr("d.ris:1: the DOI field holds 'see the publisher's page', which is not a DOI"));
  EXPECT_THAT(notes_of(load), Not(HasSubstr("d.ris:5")));
}

TEST(RecordsDetection, BinaryFilesSayWhatTheyAre) {
  EXPECT_THAT(error_of(std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16), false, "shot.ris"),
              AllOf(HasSubstr("shot.ris: not a records export"), HasSubstr("PNG"), HasSubstr("carta reads")));
  EXPECT_THAT(error_of(std::string("PK\x03\x04\x14\0\0\0\0\0[Content_Types].xml xl/workbook.xml", 45), false, "s.csv"),
              HasSubstr("Excel"));
  EXPECT_THAT(error_of("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n", false, "a.ris"), HasSubstr("PDF"));
  EXPECT_THAT(error_of("{\"items\": []}", false, "a.json"), HasSubstr("JSON"));
}

TEST(RecordsDetection, FormatIsChosenByContent) {
  EXPECT_EQ(io::detect_records_format(kRis), "RIS");
  EXPECT_EQ(io::detect_records_format(kMedline), "MEDLINE");
  EXPECT_EQ(io::detect_records_format(kWos), "Web of Science");
  EXPECT_EQ(io::detect_records_format(kOvid), "Ovid");
  EXPECT_EQ(io::detect_records_format(kXml), "EndNote XML");
  EXPECT_EQ(io::detect_records_format(kBibtex), "BibTeX");
  EXPECT_EQ(io::detect_records_format(kScopus), "CSV");
  EXPECT_EQ(io::detect_records_format(utf16le(std::string(kRis))), "RIS");
  EXPECT_EQ(io::detect_records_format("hello\n"), "");
}

// ------------------------------------------------------------------------------------------------
// Writers: RIS and CSV carry every field, and RIS reads back to the same records.

TEST(RecordsWriters, RisRoundTripsAndCsvHasEveryIdentifier) {
  const auto records = parse(kMedline, "p.nbib").records;
  const auto ris = io::records_ris(records);
  const auto back = parse(ris, "back.ris");
  ASSERT_EQ(back.records.size(), records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& a = records[i];
    const auto& b = back.records[i];
    EXPECT_EQ(a.title, b.title);
    EXPECT_EQ(a.authors, b.authors);
    EXPECT_EQ(a.year, b.year);
    EXPECT_EQ(a.journal, b.journal);
    EXPECT_EQ(a.journal_abbrev, b.journal_abbrev);
    EXPECT_EQ(a.pages, b.pages);
    EXPECT_EQ(a.doi, b.doi);
    EXPECT_EQ(a.pmid, b.pmid);
    EXPECT_EQ(a.pmcid, b.pmcid);
    EXPECT_EQ(a.abstract, b.abstract);
    EXPECT_EQ(a.keywords, b.keywords);
    EXPECT_EQ(a.issn, b.issn);
  }
  const auto csv = io::records_csv(records);
  EXPECT_THAT(csv, HasSubstr("id,source,type,title,authors,year,journal,volume,issue,pages,doi,pmid,journal_abbrev,"
                             "article_number,pmcid,issn,isbn,language,publisher,url,database,accession,keywords,abstract\n"));
  EXPECT_THAT(csv, AllOf(HasSubstr("PMC6996391"), HasSubstr("1533-4406; 0028-4793"), HasSubstr("Antigens, CD19/immunology; Child"),
                         HasSubstr("produced high rates of complete remission")));
  const auto csv_back = parse(csv, "back.csv");
  ASSERT_EQ(csv_back.records.size(), records.size());
  EXPECT_EQ(csv_back.records[0].keywords, records[0].keywords);
  EXPECT_EQ(csv_back.records[0].pmcid, "PMC6996391");
}

}  // namespace
}  // namespace carta
