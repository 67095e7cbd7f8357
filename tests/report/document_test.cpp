// The report's Word document, Markdown and reference list, read back as a reader's tools would:
// report.docx unzipped with libzip and parsed with pugixml (every part well-formed, every
// relationship resolving, every table, figure and reference of index.html there), report.md's
// tables and links, and the methods' citations against the reference list.

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zip.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

#include "carta/error.hpp"
#include "carta/io/spec.hpp"
#include "carta/report/report.hpp"
#include "compare.hpp"
#include "report/references.hpp"
#include "test_folder.hpp"

namespace carta::test {
namespace {

using ::testing::HasSubstr;

void write(const std::filesystem::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }
std::string read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// Every entry of a zip archive, by name.
std::map<std::string, std::string> unzip(const std::filesystem::path& path) {
  int code = 0;
  zip_t* zip = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code);
  if (zip == nullptr) throw std::runtime_error(fmt::format("{} is not a zip archive (libzip error {})", path.string(), code));
  std::map<std::string, std::string> entries;
  const zip_int64_t n = zip_get_num_entries(zip, 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    zip_stat_index(zip, static_cast<zip_uint64_t>(i), 0, &st);
    std::string bytes(st.size, '\0');
    zip_file_t* f = zip_fopen_index(zip, static_cast<zip_uint64_t>(i), 0);
    const auto got = zip_fread(f, bytes.data(), st.size);
    zip_fclose(f);
    EXPECT_EQ(got, static_cast<zip_int64_t>(st.size)) << st.name;
    entries[st.name] = std::move(bytes);
  }
  zip_close(zip);
  return entries;
}

pugi::xml_document parse(const std::string& xml, const std::string& part) {
  pugi::xml_document d;
  const auto ok = d.load_buffer(xml.data(), xml.size());
  EXPECT_TRUE(ok) << part << " is not well-formed XML: " << ok.description() << " at byte " << ok.offset;
  return d;
}

// The text a reader of the Word document sees, paragraph by paragraph.
std::string document_text(const pugi::xml_document& d) {
  std::string text;
  for (const auto& p : d.select_nodes("//w:p")) {
    for (const auto& t : p.node().select_nodes(".//w:t")) text += t.node().child_value();
    text += "\n";
  }
  return text;
}

struct WordDocument {
  std::map<std::string, std::string> parts;
  pugi::xml_document body;
  std::string text;
};

// report.docx checked as a package (ECMA-376 part 2): content types, the relationships of the
// package and of the document, each target present, each image a PNG.
WordDocument open_docx(const std::filesystem::path& path) {
  WordDocument w;
  w.parts = unzip(path);
  for (const char* part : {"[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/_rels/document.xml.rels",
                           "word/styles.xml", "docProps/core.xml", "docProps/app.xml"}) {
    EXPECT_TRUE(w.parts.contains(part)) << part;
  }
  const auto types = parse(w.parts["[Content_Types].xml"], "[Content_Types].xml");
  EXPECT_TRUE(types.select_node("//Override[@PartName='/word/document.xml']"));
  EXPECT_TRUE(types.select_node("//Default[@Extension='png'][@ContentType='image/png']"));
  const auto package_rels = parse(w.parts["_rels/.rels"], "_rels/.rels");
  const auto main = package_rels.select_node("//Relationship[contains(@Type, '/officeDocument')]");
  EXPECT_EQ(std::string(main.node().attribute("Target").value()), "word/document.xml");
  (void)parse(w.parts["word/styles.xml"], "word/styles.xml");

  std::set<std::string> images;
  const auto rels = parse(w.parts["word/_rels/document.xml.rels"], "document.xml.rels");
  std::map<std::string, std::string> targets;
  for (const auto& r : rels.select_nodes("//Relationship")) {
    const std::string target = std::string("word/") + r.node().attribute("Target").value();
    targets[r.node().attribute("Id").value()] = target;
    EXPECT_TRUE(w.parts.contains(target)) << "a relationship points to the missing part " << target;
  }
  const std::string& xml = w.parts["word/document.xml"];
  const auto ok = w.body.load_buffer(xml.data(), xml.size());
  EXPECT_TRUE(ok) << "word/document.xml: " << ok.description() << " at byte " << ok.offset;
  for (const auto& blip : w.body.select_nodes("//a:blip")) {
    const std::string id = blip.node().attribute("r:embed").value();
    EXPECT_TRUE(targets.contains(id)) << "an image refers to the unknown relationship " << id;
    if (targets.contains(id)) {
      EXPECT_EQ(w.parts[targets[id]].substr(1, 3), "PNG") << targets[id];
    }
  }
  // Every internal link lands on a bookmark, and bookmark names are what Word accepts.
  std::set<std::string> bookmarks;
  for (const auto& b : w.body.select_nodes("//w:bookmarkStart")) {
    const std::string name = b.node().attribute("w:name").value();
    EXPECT_LE(name.size(), 40u) << name;
    EXPECT_TRUE(std::regex_match(name, std::regex("[A-Za-z][A-Za-z0-9_]*"))) << name;
    EXPECT_TRUE(bookmarks.insert(name).second) << "bookmark " << name << " twice";
  }
  for (const auto& link : w.body.select_nodes("//w:hyperlink")) {
    EXPECT_TRUE(bookmarks.contains(link.node().attribute("w:anchor").value())) << link.node().attribute("w:anchor").value();
  }
  // Every table row has as many grid columns as the table's grid.
  for (const auto& tbl : w.body.select_nodes("//w:tbl")) {
    const auto columns = tbl.node().select_nodes("w:tblGrid/w:gridCol").size();
    for (const auto& tr : tbl.node().select_nodes("w:tr")) {
      std::size_t spanned = 0;
      for (const auto& tc : tr.node().select_nodes("w:tc")) {
        const auto span = tc.node().select_node("w:tcPr/w:gridSpan");
        spanned += span ? span.node().attribute("w:val").as_uint() : 1u;
      }
      EXPECT_EQ(spanned, columns);
    }
  }
  w.text = document_text(w.body);
  return w;
}

// The bundled example's report, in this test's own folder (ctest runs tests in parallel).
std::filesystem::path bundled_report() {
  const auto out = test_folder("bundled") / "out";
  (void)report::write_report(io::load_review_spec(source_path("examples/cart-ball/review.toml")), out);
  return out;
}

TEST(BundledReport, TheWordDocumentHoldsEveryTableFigureAndReferenceOfTheHtml) {
  const auto out = bundled_report();
  const std::string html = read(out / "index.html");
  const auto results = nlohmann::json::parse(read(out / "results.json"));
  const WordDocument w = open_docx(out / "report.docx");

  EXPECT_EQ(w.body.select_nodes("//w:tbl").size(), count(html, "<table>"));
  const auto figures = count(html, "<div class=\"figure\">");
  EXPECT_GT(figures, 20u);
  EXPECT_EQ(w.body.select_nodes("//w:drawing").size(), figures);
  std::size_t media = 0;
  for (const auto& [name, bytes] : w.parts) media += name.starts_with("word/media/") ? 1 : 0;
  EXPECT_EQ(media, figures);
  // Figures fit the text width of an A4 page with 2 cm margins (9638 twips = 6,120,130 EMU).
  for (const auto& e : w.body.select_nodes("//wp:extent")) {
    EXPECT_LE(e.node().attribute("cx").as_llong(), 6120130);
    EXPECT_GT(e.node().attribute("cy").as_llong(), 0);
  }

  // What a reader looks for: the headline number, its certainty, each section and each reference.
  const auto& cr = results["outcomes"][0];
  EXPECT_THAT(w.text, HasSubstr(fmt::format("{:.1f}%", 100.0 * cr["pool"]["random"]["prop"].get<double>())));
  for (const char* heading : {"Summary of findings", "Certainty of the evidence (GRADE)", "Baseline characteristics",
                              "Study characteristics", "Complete remission", "Overall survival", "Methods", "References"}) {
    EXPECT_THAT(w.text, HasSubstr(heading));
  }
  // The same figure numbers as the HTML's captions.
  EXPECT_THAT(w.text, HasSubstr("Figure 1. "));
  EXPECT_THAT(w.text, HasSubstr(fmt::format("Figure {}. ", figures)));
  EXPECT_THAT(html, HasSubstr(fmt::format("<p class=\"caption\">Figure {}. ", figures)));
  EXPECT_EQ(w.text.find(fmt::format("Figure {}. ", figures + 1)), std::string::npos);
  EXPECT_THAT(w.text, HasSubstr(results["methods"].get<std::string>()));
  ASSERT_GT(results["references"].size(), 10u);
  for (const auto& r : results["references"]) EXPECT_THAT(w.text, HasSubstr(r["citation"].get<std::string>()));
  // The summary of findings links each outcome to its section.
  EXPECT_GT(w.body.select_nodes("//w:tbl[1]//w:hyperlink").size(), 5u);
  // The table header repeats on each page.
  EXPECT_EQ(w.body.select_nodes("//w:tbl/w:tr[1]/w:trPr/w:tblHeader").size(), w.body.select_nodes("//w:tbl").size());
}

TEST(BundledReport, TheMethodsCiteEveryReferenceTheyListAndListEveryWorkTheyCite) {
  const auto results = nlohmann::json::parse(read(bundled_report() / "results.json"));
  const std::string methods = results["methods"];
  std::set<std::string> listed;
  for (const auto& r : results["references"]) {
    EXPECT_THAT(methods, HasSubstr(r["in_text"].get<std::string>())) << r["key"];
    listed.insert(r["in_text"].get<std::string>());
  }
  // Every "(Author ... 1997)" in the text is in the list.
  // A name (capital, then lower case: not "PRISMA 2020"), an optional "and Name" or "et al.", a year.
  const std::regex cited(R"(([A-Z][a-z][^\s(;,]*(?: and [A-Z][^\s(;,]+| et al\.)? (?:19|20)\d\d))");
  for (auto it = std::sregex_iterator(methods.begin(), methods.end(), cited); it != std::sregex_iterator(); ++it) {
    EXPECT_TRUE(listed.contains((*it)[1].str())) << (*it)[1].str() << " is cited but not listed";
  }
  for (const char* key : {"viechtbauer2005", "viechtbauer2007", "egger1997", "peters2006", "duval_tweedie2000a",
                          "guyatt2008", "higgins_thompson2002", "viechtbauer2010"}) {
    EXPECT_TRUE(std::any_of(results["references"].begin(), results["references"].end(),
                            [&](const auto& r) { return r["key"] == key; }))
        << key;
  }
  // Alphabetical, as a reference list is.
  std::vector<std::string> order;
  for (const auto& r : results["references"]) order.push_back(r["citation"]);
  EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
}

TEST(BundledReport, TheMarkdownHasTheTablesAndLinksThatLand) {
  const auto out = bundled_report();
  const std::string html = read(out / "index.html");
  const std::string md = read(out / "report.md");
  // One separator row per table.
  const std::regex separator(R"(^\|(?: -{3}:? \|)+$)");
  std::size_t tables = 0;
  std::istringstream lines(md);
  for (std::string line; std::getline(lines, line);) tables += std::regex_match(line, separator) ? 1 : 0;
  EXPECT_EQ(tables, count(html, "<table>"));
  std::set<std::string> anchors;
  const std::regex anchor(R"re(<a id="([^"]+)"></a>)re");
  for (auto it = std::sregex_iterator(md.begin(), md.end(), anchor); it != std::sregex_iterator(); ++it) anchors.insert((*it)[1]);
  const std::regex link(R"(\]\(#([^)]+)\))");
  std::size_t links = 0;
  for (auto it = std::sregex_iterator(md.begin(), md.end(), link); it != std::sregex_iterator(); ++it, ++links) {
    EXPECT_TRUE(anchors.contains((*it)[1])) << (*it)[1];
  }
  EXPECT_GT(links, 10u);
  // Each figure's PNG, by a path relative to the report.
  const std::regex image(R"(!\[[^\]]*\]\((figures/[^)]+\.png)\))");
  std::size_t images = 0;
  for (auto it = std::sregex_iterator(md.begin(), md.end(), image); it != std::sregex_iterator(); ++it, ++images) {
    EXPECT_TRUE(std::filesystem::exists(out / (*it)[1].str())) << (*it)[1];
  }
  EXPECT_EQ(images, count(html, "<div class=\"figure\">"));
  // Emphasis does not open on a space (CommonMark would print the asterisks).
  EXPECT_THAT(md, HasSubstr(" *(excluded)*"));
  EXPECT_EQ(md.find("* (excluded)*"), std::string::npos);
  // Numbers in cells are not escaped as if they began a list.
  EXPECT_EQ(md.find("| 80\\.9%"), std::string::npos);
}

// tables.tex: one longtable per table of the HTML, captioned by its section, every row with as
// many cells as the header (spans counted), booktabs rules.
TEST(BundledReport, TheLatexTablesAreOnePerTableWithFullRows) {
  const auto out = bundled_report();
  const std::string html = read(out / "index.html");
  const std::string tex = read(out / "tables.tex");
  EXPECT_EQ(count(tex, "\\begin{longtable}"), count(html, "<table>"));
  EXPECT_EQ(count(tex, "\\bottomrule"), count(html, "<table>"));
  EXPECT_THAT(tex, HasSubstr("\\caption{Summary of findings}"));
  EXPECT_THAT(tex, HasSubstr("\\caption{Complete remission: Subgroups: Antigen target}"));
  // Cells per row: the column specification's count, a \multicolumn{n} counting n. (Found with
  // find, not std::regex, whose recursion overflows the stack on a long table.)
  const std::string begin = "\\begin{longtable}{", end = "\\end{longtable}";
  std::size_t tables = 0;
  for (auto at = tex.find(begin); at != std::string::npos; at = tex.find(begin, at + 1), ++tables) {
    const auto spec_end = tex.find("}\n", at + begin.size());
    const auto table_end = tex.find(end, at);
    ASSERT_NE(spec_end, std::string::npos);
    ASSERT_NE(table_end, std::string::npos);
    const std::string spec = tex.substr(at + begin.size(), spec_end - at - begin.size());
    const auto columns = static_cast<std::size_t>(std::count(spec.begin(), spec.end(), 'r') + count(spec, "p{"));
    std::istringstream rows(tex.substr(spec_end + 2, table_end - spec_end - 2));
    for (std::string line; std::getline(rows, line);) {
      if (!line.ends_with(" \\tabularnewline") || line.starts_with("\\caption")) continue;
      std::size_t cells = 1;
      for (std::size_t i = 0; i + 1 < line.size(); ++i) cells += line[i] == '&' && (i == 0 || line[i - 1] != '\\') ? 1 : 0;
      const std::string multi = "\\multicolumn{";
      for (auto m = line.find(multi); m != std::string::npos; m = line.find(multi, m + 1)) {
        cells += std::stoul(line.substr(m + multi.size())) - 1;
      }
      EXPECT_EQ(cells, columns) << line;
    }
  }
  EXPECT_EQ(tables, count(html, "<table>"));
}

// The report speaks to readers: no command-line flags, option or function names of R packages.
TEST(BundledReport, SaysWhatWasDoneWithoutInternalJargon) {
  const std::string md = read(bundled_report() / "report.md");
  std::smatch flag;
  EXPECT_FALSE(std::regex_search(md, flag, std::regex("--[a-z]"))) << flag.str();
  for (const char* jargon : {"escalc", "only0", "method.incr", "preset carta:", "to = ", "knha", "PLO", "tau2"}) {
    const auto at = md.find(jargon);
    EXPECT_EQ(at, std::string::npos) << "'" << jargon << "' in: " << (at == std::string::npos ? "" : md.substr(at > 80 ? at - 80 : 0, 160));
  }
  EXPECT_THAT(md, HasSubstr("pooled with random effects (restricted maximum-likelihood estimate of \u03c4\u00b2) on the logit scale"));
}

TEST(WordDocument, HostileTextStaysTextAndTheFileStaysValid) {
  const auto dir = test_folder("hostile");
  // A control character would make Word refuse the file (it is shown as U+FFFD).
  write(dir / "data.csv", "label,x,n,group\n\"<w:p>A</w:p>]]>\",3,10,\"x\x01y\"\nB & C,5,12,\"a|b\"\n\"*C* [link](http://x)\",7,20,z\n");
  write(dir / "spec.toml", "title = \"</w:t><w:t>T\"\n[data]\nfile = \"data.csv\"\nlabel = \"label\"\ncharacteristics = [\"group\"]\n"
                           "[[outcome]]\nname = \"1. <script>alert(1)</script>\"\nevents = \"x\"\nn = \"n\"\n");
  (void)report::write_report(io::load_review_spec(dir / "spec.toml"), dir / "out");
  const WordDocument w = open_docx(dir / "out" / "report.docx");
  EXPECT_THAT(w.text, HasSubstr("<w:p>A</w:p>]]>"));
  EXPECT_THAT(w.text, HasSubstr("</w:t><w:t>T"));
  EXPECT_THAT(w.text, HasSubstr("B & C"));
  EXPECT_THAT(w.text, HasSubstr("x\uFFFDy"));
  EXPECT_THAT(w.text, HasSubstr("1. <script>alert(1)</script>"));
  const auto core = parse(w.parts.at("docProps/core.xml"), "core.xml");
  EXPECT_EQ(std::string(core.select_node("//dc:title").node().child_value()), "</w:t><w:t>T");

  // LaTeX's special characters in a label are escaped (an & would end a cell, a % the line).
  const std::string tex = read(dir / "out" / "tables.tex");
  EXPECT_THAT(tex, HasSubstr("B \\& C"));
  EXPECT_THAT(tex, HasSubstr("\\textless{}w:p\\textgreater{}A"));
  EXPECT_THAT(tex, HasSubstr("a\\textbar{}b"));
  EXPECT_EQ(tex.find("B & C"), std::string::npos);

  const std::string md = read(dir / "out" / "report.md");
  EXPECT_EQ(md.find("<script>"), std::string::npos);
  EXPECT_EQ(md.find("<w:p>"), std::string::npos);
  EXPECT_EQ(md.find("[link](http"), std::string::npos);
  EXPECT_THAT(md, HasSubstr("\\<script\\>"));
  EXPECT_THAT(md, HasSubstr("a\\|b"));  // a pipe in a cell would split it
  EXPECT_THAT(md, HasSubstr("## 1. \\<script"));
}

// [figures] width, dpi, tiff and eps: every figure in every format at that size, linked from its
// caption, placed in the Word document at that width; text too small to print is one warning.
TEST(WordDocument, FiguresAtAJournalsWidthAndResolution) {
  const auto dir = test_folder("print");
  write(dir / "data.csv", "label,x,n\nA,1,10\nB,2,10\nC,3,10\n");
  write(dir / "spec.toml", "[data]\nfile = \"data.csv\"\nlabel = \"label\"\n[figures]\nwidth = \"single\"\ndpi = 300\n"
                           "tiff = true\neps = true\n[[outcome]]\nname = \"X\"\nevents = \"x\"\nn = \"n\"\n");
  const auto summary = report::write_report(io::load_review_spec(dir / "spec.toml"), dir / "out");
  for (const char* ext : {".svg", ".png", ".pdf", ".tiff", ".eps"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / "out" / "figures" / (std::string("forest_x") + ext))) << ext;
    EXPECT_NE(std::find(summary.files.begin(), summary.files.end(), std::filesystem::path("figures") / (std::string("forest_x") + ext)),
              summary.files.end())
        << ext;
  }
  const std::string html = read(dir / "out" / "index.html");
  EXPECT_THAT(html, HasSubstr("<a href=\"figures/forest_x.tiff\">TIFF</a>, <a href=\"figures/forest_x.eps\">EPS</a>"));
  const WordDocument w = open_docx(dir / "out" / "report.docx");
  ASSERT_FALSE(w.body.select_nodes("//wp:extent").empty());
  for (const auto& e : w.body.select_nodes("//wp:extent")) EXPECT_EQ(e.node().attribute("cx").as_llong(), 3200400);  // 3.5 in
  ASSERT_FALSE(summary.warnings.empty());
  EXPECT_THAT(summary.warnings.back(), HasSubstr("at 3.5 in wide, "));
  EXPECT_THAT(summary.warnings.back(), HasSubstr("below the 6 pt journals ask for"));
}

// An outcome named like a fixed section ("Methods", "Summary") gets a link target of its own: one
// id per section in the HTML, one bookmark per heading in Word (open_docx checks), and the
// summary's link goes to the outcome.
TEST(WordDocument, OutcomesNamedLikeSectionsKeepTheirOwnLinks) {
  const auto dir = test_folder("ids");
  write(dir / "data.csv", "label,x,n\nA,1,10\nB,2,10\nC,3,10\n");
  write(dir / "spec.toml", "[data]\nfile = \"data.csv\"\nlabel = \"label\"\n[[outcome]]\nname = \"Methods\"\nevents = \"x\"\n"
                           "n = \"n\"\n[[outcome]]\nname = \"Summary\"\nevents = \"x\"\nn = \"n\"\n");
  (void)report::write_report(io::load_review_spec(dir / "spec.toml"), dir / "out");
  const std::string html = read(dir / "out" / "index.html");
  for (const char* id : {"id=\"methods\"", "id=\"summary\"", "id=\"outcome-methods\"", "id=\"outcome-summary\""}) {
    EXPECT_EQ(count(html, id), 1u) << id;
  }
  EXPECT_THAT(html, HasSubstr("<a href=\"#outcome-methods\">Methods</a>"));
  const WordDocument w = open_docx(dir / "out" / "report.docx");
  EXPECT_FALSE(w.body.select_nodes("//w:bookmarkStart[@w:name='s_outcome_methods']").empty());
}

// The methods say what was used: the study CI method of [model] study_ci (not the preset's), and
// no continuity correction under the arcsine transformations.
TEST(WordDocument, TheMethodsNameTheStudyIntervalsAndCorrectionsUsed) {
  const auto dir = test_folder("methods");
  write(dir / "data.csv", "label,x,n\nA,0,10\nB,2,10\nC,3,10\n");
  write(dir / "spec.toml", "[data]\nfile = \"data.csv\"\nlabel = \"label\"\n[model]\nstudy_ci = \"wilson\"\nmeasure = \"PFT\"\n"
                           "[[outcome]]\nname = \"X\"\nevents = \"x\"\nn = \"n\"\n");
  (void)report::write_report(io::load_review_spec(dir / "spec.toml"), dir / "out");
  const auto results = nlohmann::json::parse(read(dir / "out" / "results.json"));
  const std::string methods = results["methods"];
  EXPECT_THAT(methods, HasSubstr("Confidence intervals of individual studies are Wilson score intervals (Wilson 1927)"));
  EXPECT_THAT(methods, HasSubstr("need no continuity correction"));
  EXPECT_EQ(methods.find("received a continuity correction"), std::string::npos);
  EXPECT_THAT(read(dir / "out" / "report.md"), HasSubstr("Wilson score intervals for each study"));
}

// [model] tau2_ci: the results use the interval asked for, and the methods name it with its source.
TEST(WordDocument, TheMethodsNameTheTau2IntervalAskedFor) {
  const auto dir = test_folder("tau2ci");
  write(dir / "data.csv", "label,x,n\nA,2,20\nB,9,20\nC,3,25\nD,14,30\n");
  write(dir / "spec.toml", "[data]\nfile = \"data.csv\"\nlabel = \"label\"\n[model]\ntau2_ci = \"pl\"\n"
                           "[[outcome]]\nname = \"X\"\nevents = \"x\"\nn = \"n\"\n");
  (void)report::write_report(io::load_review_spec(dir / "spec.toml"), dir / "out");
  const auto results = nlohmann::json::parse(read(dir / "out" / "results.json"));
  const std::string methods = results["methods"];
  EXPECT_THAT(methods, HasSubstr("profile-likelihood confidence intervals for tau-squared (Hardy and Thompson 1996)"));
  EXPECT_THAT(results.dump(), HasSubstr("\"tau2_ci_method\":\"profile likelihood\""));
  EXPECT_THAT(results["references"].dump(), HasSubstr("10.1002/(SICI)1097-0258(19960330)15:6<619::AID-SIM188>3.0.CO;2-A"));
  write(dir / "bad.toml", "[data]\nfile = \"data.csv\"\nlabel = \"label\"\n[model]\ntau2_ci = \"bootstrap\"\n"
                          "[[outcome]]\nname = \"X\"\nevents = \"x\"\nn = \"n\"\n");
  try {
    (void)io::load_review_spec(dir / "bad.toml");
    ADD_FAILURE() << "a bad tau2_ci must be an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("tau2_ci 'bootstrap' is not one of qp, pl, wald"));
    EXPECT_THAT(e.what(), HasSubstr("bad.toml:5"));
  }
}

TEST(WordDocument, TheSameResultsGiveTheSameBytes) {
  const auto dir = test_folder("same");
  write(dir / "data.csv", "label,x,n\nA,1,10\nB,2,10\nC,3,10\n");
  write(dir / "spec.toml", "[data]\nfile = \"data.csv\"\nlabel = \"label\"\n\n[[outcome]]\nname = \"X\"\nevents = \"x\"\nn = \"n\"\n");
  const auto spec = io::load_review_spec(dir / "spec.toml");
  (void)report::write_report(spec, dir / "one");
  (void)report::write_report(spec, dir / "two");
  EXPECT_EQ(read(dir / "one" / "report.docx"), read(dir / "two" / "report.docx"));
  EXPECT_EQ(read(dir / "one" / "report.md"), read(dir / "two" / "report.md"));
}

// CITATION.cff gives the version of the VERSION file, so a release cannot be cited as another.
TEST(References, TheCitationFileHasTheReleasedVersion) {
  std::string version = read(source_path("VERSION"));
  while (!version.empty() && (version.back() == '\n' || version.back() == ' ')) version.pop_back();
  const std::string cff = read(source_path("CITATION.cff"));
  EXPECT_THAT(cff, HasSubstr("\nversion: " + version + "\n"));
  EXPECT_THAT(cff, HasSubstr("cff-version: 1.2.0"));
}

TEST(References, EveryWorkHasAKeyACitationAndAWellFormedDoi) {
  std::set<std::string_view> keys, in_text;
  for (const auto& s : report::sources()) {
    EXPECT_TRUE(keys.insert(s.key).second) << s.key;
    EXPECT_TRUE(in_text.insert(s.in_text).second) << "two works cited as " << s.in_text;
    EXPECT_TRUE(s.citation.ends_with(".") || s.citation.find("Available from: http") != std::string_view::npos) << s.key;
    if (!s.doi.empty()) {
      EXPECT_TRUE(std::regex_match(std::string(s.doi), std::regex(R"(10\.\d{4,5}/\S+)"))) << s.key;
    }
  }
  EXPECT_TRUE(std::is_sorted(report::sources().begin(), report::sources().end(),
                             [](const auto& a, const auto& b) { return a.key < b.key; }));
}

TEST(References, ACitedWorkIsListedOnceAndAnUnknownKeyIsABug) {
  report::Citations c;
  EXPECT_EQ(c.cite("egger1997"), "Egger et al. 1997");
  EXPECT_EQ(c.cite({"hartung_knapp2001", "sidik_jonkman2002"}), "Hartung and Knapp 2001; Sidik and Jonkman 2002");
  EXPECT_EQ(c.cite("egger1997"), "Egger et al. 1997");
  const auto list = c.references();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].key, "egger1997");
  EXPECT_EQ(list[1].key, "hartung_knapp2001");
  EXPECT_THROW((void)c.cite("nobody1900"), std::logic_error);
}

}  // namespace
}  // namespace carta::test
