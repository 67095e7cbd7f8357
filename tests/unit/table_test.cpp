#include <gmock/gmock.h>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>

#include "carta/error.hpp"
#include "carta/io/table.hpp"

namespace carta::io {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

std::string error_of(std::string_view text, char delimiter = ',') {
  try {
    parse_delimited(text, delimiter, "t.csv");
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kInvalidInput);
    return e.what();
  }
  ADD_FAILURE() << "no error for: " << text;
  return {};
}

TEST(Table, ReadsQuotedFieldsWithDelimitersQuotesAndNewlines) {
  const auto t = parse_delimited("label,x,n\n\"Smith, J\",1,2\n\"say \"\"hi\"\"\",3,4\n\"two\nlines\",5,6\n", ',', "t.csv");
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(t.rows[0][0], "Smith, J");
  EXPECT_EQ(t.rows[1][0], "say \"hi\"");
  EXPECT_EQ(t.rows[2][0], "two\nlines");
  EXPECT_EQ(t.lines[0], 2u);
  EXPECT_EQ(t.lines[1], 3u);
  EXPECT_EQ(t.lines[2], 4u);  // the row that starts on line 4 spans lines 4-5
}

TEST(Table, HandlesBomCrlfBlankLinesAndMissingFinalNewline) {
  const auto t = parse_delimited("\xEF\xBB\xBFlabel,x\r\nA,1\r\n\r\nB,2", ',', "t.csv");
  ASSERT_EQ(t.header.size(), 2u);
  EXPECT_EQ(t.header[0], "label");  // BOM stripped
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[1][1], "2");
  EXPECT_EQ(t.lines[1], 4u);
}

TEST(Table, CrlfInsideQuotesBecomesNewline) {
  const auto t = parse_delimited("a,b\r\n\"x\r\ny\",1\r\n", ',', "t.csv");
  EXPECT_EQ(t.rows[0][0], "x\ny");
}

TEST(Table, TabDelimited) {
  const auto t = parse_delimited("label\tx\nA, B\t3\n", '\t', "t.tsv");
  EXPECT_EQ(t.rows[0][0], "A, B");
  EXPECT_EQ(t.rows[0][1], "3");
}

TEST(Table, KeepsUtf8Labels) {
  const auto t = parse_delimited("label,x\nOrtiz-Maldonado Ñúñez,1\n", ',', "t.csv");
  EXPECT_EQ(t.rows[0][0], "Ortiz-Maldonado Ñúñez");
}

TEST(Table, RaggedRowNamesLineAndCounts) {
  const auto msg = error_of("a,b,c\n1,2,3\n1,2\n");
  EXPECT_THAT(msg, HasSubstr("t.csv:3:1"));
  EXPECT_THAT(msg, HasSubstr("2 fields but the header has 3"));
}

TEST(Table, UnterminatedQuotePointsAtTheOpeningQuote) {
  const auto msg = error_of("a,b\n1,\"open\n2,3\n");
  EXPECT_THAT(msg, HasSubstr("t.csv:2:3"));
  EXPECT_THAT(msg, HasSubstr("never closed"));
}

TEST(Table, StrayQuoteInsideUnquotedField) {
  EXPECT_THAT(error_of("a,b\nab\"c,1\n"), HasSubstr("t.csv:2:3: a quote inside an unquoted field"));
}

TEST(Table, TextAfterClosingQuote) {
  EXPECT_THAT(error_of("a,b\n\"x\"y,1\n"), HasSubstr("text after a closing quote"));
}

TEST(Table, EmptyFileAndWhitespaceOnly) {
  EXPECT_THAT(error_of(""), HasSubstr("the file is empty"));
  EXPECT_THAT(error_of(" \n\n"), HasSubstr("the file is empty"));
}

TEST(Table, BinaryAndEncodingProblems) {
  EXPECT_THAT(error_of(std::string_view("a,b\n1,\0\n", 8)), HasSubstr("t.csv:2:3: NUL byte"));
  EXPECT_THAT(error_of("\xFF\xFE" "a\0,\0"), HasSubstr("UTF-16"));
  EXPECT_THAT(error_of("a,b\nx\xC3(,1\n"), HasSubstr("t.csv:2:2: invalid UTF-8 byte 0xC3"));
}

TEST(Table, HeaderOnlyHasNoRows) {
  const auto t = parse_delimited("label,x,n\n", ',', "t.csv");
  EXPECT_EQ(t.rows.size(), 0u);
}

TEST(Table, MissingColumnListsColumnsAndSuggests) {
  const auto t = parse_delimited("study_id,cr_events,cr_n\nA,1,2\n", ',', "t.csv");
  try {
    (void)t.column("cr_event");
    FAIL();
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_THAT(msg, HasSubstr("no column named 'cr_event'"));
    EXPECT_THAT(msg, HasSubstr("Did you mean 'cr_events'?"));
    EXPECT_THAT(msg, HasSubstr("study_id, cr_events, cr_n"));
  }
}

TEST(Table, DuplicateColumnNameIsAmbiguous) {
  const auto t = parse_delimited("x,n,x\n1,2,3\n", ',', "t.csv");
  EXPECT_EQ(t.column("n"), 1u);
  try {
    (void)t.column("x");
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("appears 2 times (columns 1 and 3)"));
  }
}

TEST(Table, UnreadableFileIsAnIoError) {
  try {
    (void)read_table("/nonexistent/studies.csv");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kIo);
    EXPECT_THAT(std::string(e.what()), HasSubstr("/nonexistent/studies.csv: cannot open"));
  }
}

// The streaming reader must give exactly what whole-text parsing gives, wherever the read pieces
// cut the text: inside a CRLF, a doubled quote, a UTF-8 sequence or the byte-order mark.
std::filesystem::path write_temp(const std::string& name, std::string_view text) {
  const auto path = std::filesystem::temp_directory_path() / ("carta_table_test_" + name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

Table read_in_pieces(const std::filesystem::path& path, std::size_t piece) {
  TableReader reader(path, piece);
  Table t = reader.columns();
  std::vector<std::string> row;
  std::size_t line = 0;
  while (reader.next(row, line)) {
    t.rows.push_back(row);
    t.lines.push_back(line);
  }
  return t;
}

TEST(TableReader, EveryPieceSizeGivesTheWholeTextResult) {
  const std::string text =
      "\xEF\xBB\xBFlabel,x,n\r\n\"Smith, J\",1,2\r\n\"say \"\"hi\"\"\",3,4\r\n\r\n\"two\r\nlines\",5,6\n"
      "M\xC3\xBCller \xE2\x80\x93 \xF0\x9F\x98\x80,7,8\r\n  padded  ,9,10\n\"q\"  ,11,12";
  const auto path = write_temp("pieces.csv", text);
  const Table whole = parse_delimited(text, ',', path.string());
  ASSERT_EQ(whole.rows.size(), 6u);
  for (std::size_t piece = 1; piece <= text.size() + 1; ++piece) {
    const Table t = read_in_pieces(path, piece);
    EXPECT_EQ(t.header, whole.header) << "piece " << piece;
    EXPECT_EQ(t.rows, whole.rows) << "piece " << piece;
    EXPECT_EQ(t.lines, whole.lines) << "piece " << piece;
  }
}

TEST(TableReader, ErrorsAreTheSameInPieces) {
  using namespace std::string_literals;
  const std::vector<std::string> bad = {"a,b\n1,2\n3\n",        "a,b\n\"open,2\n",   "a,b\nx\"y,2\n",
                                        "a,b\n\"x\"y,2\n",      "a,b\n1,\xC3\n",    "a,b\n1,\0\n"s,
                                        "\xFF\xFE" "a\0,\0"s,    "  \n\t\r\n",        "a,b\n\"x\"\xC3\xA9,2\n"};
  for (std::size_t c = 0; c < bad.size(); ++c) {
    const auto path = write_temp("bad" + std::to_string(c) + ".csv", bad[c]);
    std::string expected;
    try {
      parse_delimited(bad[c], ',', path.string());
    } catch (const Error& e) {
      expected = e.what();
    }
    ASSERT_FALSE(expected.empty()) << "case " << c;
    for (std::size_t piece : {1u, 2u, 3u, 5u, 1024u}) {
      std::string got;
      try {
        read_in_pieces(path, piece);
      } catch (const Error& e) {
        got = e.what();
      }
      EXPECT_EQ(got, expected) << "case " << c << ", piece " << piece;
    }
  }
}

// A spreadsheet, an image or an archive given as a table says what it is and how to save it.
TEST(TableReader, SpreadsheetsAndImagesSayWhatTheyAre) {
  auto message = [](const std::string& name, const std::string& bytes) {
    try {
      (void)read_table(write_temp(name, bytes));
    } catch (const Error& e) {
      EXPECT_EQ(e.category(), ErrorCategory::kInvalidInput);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string xlsx = std::string("PK\x03\x04\x14\0\x06\0", 8) + "[Content_Types].xml" + std::string(100, '\x01') +
                           "xl/workbook.xml" + std::string(5000, '\x02');
  EXPECT_THAT(message("studies.xlsx", xlsx), AllOf(HasSubstr(":1:1: the file is an Excel workbook"), HasSubstr("save it as CSV UTF-8")));
  const std::string xls = std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) + std::string(600, '\0');
  EXPECT_THAT(message("studies.xls", xls), AllOf(HasSubstr("Office 97-2003"), HasSubstr("save it as CSV UTF-8")));
  EXPECT_THAT(message("studies.csv", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16)),
              AllOf(HasSubstr("a PNG image, not a CSV/TSV text table"), HasSubstr("give the data as CSV UTF-8")));
}

// A European Excel saves CSV with semicolons between fields and decimal commas in numbers: read
// as such, with a note, in any piece size; "1.234" there is refused as ambiguous. A comma CSV is
// untouched.
TEST(TableReader, SemicolonSeparatedWithDecimalCommas) {
  const std::string text = "\xEF\xBB\xBFstudy;events;n;age\r\n\"Maude; 2018\";61;75;11,5\r\nLee;12;20;-0,75\r\nPark;1;2;text, with a comma\r\n";
  const auto path = write_temp("european.csv", text);
  for (std::size_t piece : {1u, 2u, 7u, 64u, 1u << 20}) {
    const Table t = read_in_pieces(path, piece);
    EXPECT_EQ(t.delimiter, ';') << piece;
    EXPECT_EQ(t.header, (std::vector<std::string>{"study", "events", "n", "age"}));
    ASSERT_EQ(t.rows.size(), 3u) << piece;
    EXPECT_EQ(t.rows[0], (std::vector<std::string>{"Maude; 2018", "61", "75", "11.5"}));
    EXPECT_EQ(t.rows[1][3], "-0.75");
    EXPECT_EQ(t.rows[2][3], "text, with a comma");  // not a number: as written
    ASSERT_EQ(t.notes.size(), 1u);
    EXPECT_THAT(t.notes[0], HasSubstr("european.csv: read as semicolon-separated"));
  }
  try {
    (void)read_table(write_temp("grouped.csv", "study;n\nA;1.234\n"));
    ADD_FAILURE() << "1.234 in a semicolon file was read";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("grouped.csv:2:1: column 'n': '1.234' in a semicolon-separated file"));
  }
  const Table comma = read_table(write_temp("comma.csv", "study,n,x\nA;B,1.234,\"2,5\"\n"));
  EXPECT_EQ(comma.delimiter, ',');
  EXPECT_TRUE(comma.notes.empty());
  EXPECT_EQ(comma.rows.at(0), (std::vector<std::string>{"A;B", "1.234", "2,5"}));
}

TEST(TableReader, ManyRowsAcrossPiecesKeepTheirLines) {
  std::string text = "g,x,n\n";
  for (int i = 0; i < 5000; ++i) text += "g" + std::to_string(i % 7) + "," + std::to_string(i % 11) + ",20\n";
  const auto path = write_temp("many.csv", text);
  const Table t = read_in_pieces(path, 4096);
  ASSERT_EQ(t.rows.size(), 5000u);
  EXPECT_EQ(t.lines.back(), 5001u);
  EXPECT_EQ(t.rows[4999][1], std::to_string(4999 % 11));
}

}  // namespace
}  // namespace carta::io
