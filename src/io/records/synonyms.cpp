// The one table of tags, elements, BibTeX fields and column names the readers understand, per
// format, with what each holds. A tag that is not here is read and dropped; adding a synonym is
// one line. Sources: the RIS specification (Research Information Systems, 2011) and what
// EndNote, Zotero, Mendeley, Scopus, Web of Science, EBSCOhost and PsycINFO write; NLM's MEDLINE
// element descriptions; Clarivate's Web of Science field tags; Ovid's field guides; the EndNote
// XML DTD (RSXML); BibTeX and biblatex field names; the column headers of Scopus, Zotero, EndNote,
// Rayyan and Covidence exports.

#include <unordered_map>

#include "reader.hpp"

namespace carta::io::records {

namespace {

using D = Dialect;
using F = Field;
using S = Split;

constexpr Synonym kTable[] = {
    // RIS (any database or reference manager). Journal: JF and T2 are full names, JO is full or
    // abbreviated depending on the writer, J2/JA/J1 are abbreviations.
    {D::kRis, "TY", F::kType},
    {D::kRis, "M3", F::kDocumentType},  // Scopus "Conference Paper"; some writers put the DOI here
    {D::kRis, "TI", F::kTitle},
    {D::kRis, "T1", F::kTitle},
    {D::kRis, "CT", F::kFallbackTitle},
    {D::kRis, "ST", F::kFallbackTitle, S::kNone, 1},
    {D::kRis, "BT", F::kFallbackTitle, S::kNone, 2},
    {D::kRis, "AU", F::kAuthor, S::kPerLine},
    {D::kRis, "A1", F::kAuthor, S::kPerLine},
    {D::kRis, "PY", F::kYear},
    {D::kRis, "Y1", F::kYear, S::kNone, 1},
    {D::kRis, "DA", F::kDate},
    {D::kRis, "JF", F::kJournal},
    {D::kRis, "T2", F::kJournal, S::kNone, 1},
    {D::kRis, "JO", F::kJournal, S::kNone, 2},
    {D::kRis, "T3", F::kJournal, S::kNone, 4},
    {D::kRis, "J2", F::kJournalAbbrev},
    {D::kRis, "JA", F::kJournalAbbrev},
    {D::kRis, "J1", F::kJournalAbbrev, S::kNone, 1},
    {D::kRis, "JI", F::kJournalAbbrev},  // Web of Science RIS
    {D::kRis, "J9", F::kJournalAbbrev, S::kNone, 1},
    {D::kRis, "VL", F::kVolume},
    {D::kRis, "IS", F::kIssue},
    {D::kRis, "M1", F::kIssue, S::kNone, 1},
    {D::kRis, "SP", F::kStartPage},
    {D::kRis, "EP", F::kEndPage},
    {D::kRis, "C7", F::kArticleNumber},
    {D::kRis, "AR", F::kArticleNumber},
    {D::kRis, "DO", F::kDoi},
    {D::kRis, "DI", F::kDoi, S::kNone, 1},
    {D::kRis, "L3", F::kDoi, S::kNone, 2},
    {D::kRis, "C2", F::kPmid},  // Scopus: PubMed ID; EndNote: PMCID
    {D::kRis, "PM", F::kPmid},
    {D::kRis, "AB", F::kAbstract},
    {D::kRis, "N2", F::kAbstract},
    {D::kRis, "KW", F::kKeyword, S::kPerLine},
    {D::kRis, "SN", F::kStandardNumber},
    {D::kRis, "LA", F::kLanguage},
    {D::kRis, "UR", F::kUrl},
    {D::kRis, "L2", F::kUrl, S::kNone, 1},
    {D::kRis, "LK", F::kUrl, S::kNone, 1},
    {D::kRis, "PB", F::kPublisher},
    {D::kRis, "PU", F::kPublisher},  // Web of Science RIS
    {D::kRis, "AN", F::kAccession},
    {D::kRis, "DB", F::kDatabase},
    {D::kRis, "DP", F::kDatabase, S::kNone, 1},  // database provider: "NLM", "EBSCOhost"
    {D::kRis, "ID", F::kId},

    // PubMed MEDLINE (.nbib): tags of up to four letters, padded to four before "- ".
    {D::kMedline, "PMID", F::kPmid},
    {D::kMedline, "TI", F::kTitle},
    {D::kMedline, "BTI", F::kFallbackTitle},
    {D::kMedline, "AU", F::kAuthor, S::kPerLine},
    {D::kMedline, "FAU", F::kFallbackAuthor, S::kPerLine},
    {D::kMedline, "CN", F::kFallbackAuthor, S::kPerLine},
    {D::kMedline, "DP", F::kYear},
    {D::kMedline, "DEP", F::kDate},
    {D::kMedline, "JT", F::kJournal},
    {D::kMedline, "TA", F::kJournalAbbrev},
    {D::kMedline, "VI", F::kVolume},
    {D::kMedline, "IP", F::kIssue},
    {D::kMedline, "PG", F::kPages},
    {D::kMedline, "LID", F::kMedlineLocation},
    {D::kMedline, "AID", F::kMedlineLocation},
    {D::kMedline, "PMC", F::kPmcid},
    {D::kMedline, "AB", F::kAbstract},
    {D::kMedline, "MH", F::kKeyword, S::kPerLine},
    {D::kMedline, "OT", F::kKeyword, S::kPerLine},
    {D::kMedline, "IS", F::kStandardNumber},
    {D::kMedline, "ISBN", F::kStandardNumber},
    {D::kMedline, "LA", F::kLanguage},
    {D::kMedline, "PT", F::kType},
    {D::kMedline, "PB", F::kPublisher},

    // Web of Science plain text (.ciw, "Other reference software") and tab-delimited (the same
    // tags as column names); Zoological Record and other WoS databases use the same tags.
    {D::kWos, "PT", F::kType},
    {D::kWos, "DT", F::kDocumentType},
    {D::kWos, "TI", F::kTitle},
    {D::kWos, "AU", F::kAuthor, S::kPerLine},
    {D::kWos, "AF", F::kFallbackAuthor, S::kPerLine},
    {D::kWos, "CA", F::kFallbackAuthor, S::kPerLine, 1},
    {D::kWos, "GP", F::kFallbackAuthor, S::kPerLine, 1},
    {D::kWos, "SO", F::kJournal},
    {D::kWos, "JI", F::kJournalAbbrev},
    {D::kWos, "J9", F::kJournalAbbrev, S::kNone, 1},
    {D::kWos, "PY", F::kYear},
    {D::kWos, "PD", F::kDate},
    {D::kWos, "VL", F::kVolume},
    {D::kWos, "IS", F::kIssue},
    {D::kWos, "BP", F::kStartPage},
    {D::kWos, "EP", F::kEndPage},
    {D::kWos, "PS", F::kPages, S::kNone, 1},  // Zoological Record: page span
    {D::kWos, "AR", F::kArticleNumber},
    {D::kWos, "DI", F::kDoi},
    {D::kWos, "D2", F::kDoi, S::kNone, 1},
    {D::kWos, "PM", F::kPmid},
    {D::kWos, "AB", F::kAbstract},
    {D::kWos, "DE", F::kKeyword, S::kSemicolons},
    {D::kWos, "ID", F::kKeyword, S::kSemicolons},
    {D::kWos, "SN", F::kStandardNumber},
    {D::kWos, "EI", F::kStandardNumber},
    {D::kWos, "BN", F::kStandardNumber},
    {D::kWos, "LA", F::kLanguage},
    {D::kWos, "PU", F::kPublisher},
    {D::kWos, "UT", F::kAccession},
    {D::kWos, "AN", F::kAccession},
    {D::kWos, "UR", F::kUrl},

    // Ovid (MEDLINE, Embase, PsycINFO ...) exported for reference managers (Citavi, EndNote,
    // Reference Manager layouts: "XX  - value" after a "<1. >" line). IS is the ISSN here.
    {D::kOvid, "UI", F::kAccession},
    {D::kOvid, "AN", F::kAccession},
    {D::kOvid, "DB", F::kDatabase},
    {D::kOvid, "TI", F::kTitle},
    {D::kOvid, "BT", F::kFallbackTitle},
    {D::kOvid, "AU", F::kAuthor, S::kPerLine},
    {D::kOvid, "FA", F::kFallbackAuthor, S::kPerLine},
    {D::kOvid, "SO", F::kOvidSource},
    {D::kOvid, "JN", F::kJournal},
    {D::kOvid, "JA", F::kJournalAbbrev},
    {D::kOvid, "VO", F::kVolume},
    {D::kOvid, "VI", F::kVolume},
    {D::kOvid, "IP", F::kIssue},
    {D::kOvid, "PG", F::kPages},
    {D::kOvid, "YR", F::kYear},
    {D::kOvid, "DP", F::kDate},
    {D::kOvid, "PT", F::kType},
    {D::kOvid, "ST", F::kType, S::kPerLine, 1},
    {D::kOvid, "DO", F::kDoi},
    {D::kOvid, "PM", F::kPmid},
    {D::kOvid, "AB", F::kAbstract},
    {D::kOvid, "MH", F::kKeyword, S::kPerLine},
    {D::kOvid, "KW", F::kKeyword, S::kPerLine},
    {D::kOvid, "IS", F::kStandardNumber},
    {D::kOvid, "IB", F::kStandardNumber},
    {D::kOvid, "LG", F::kLanguage},
    {D::kOvid, "PB", F::kPublisher},
    {D::kOvid, "UR", F::kUrl},
    {D::kOvid, "XL", F::kUrl, S::kNone, 1},
    // Ovid's own display layout names its fields instead (labels normalised as columns are).
    {D::kOvid, "uniqueidentifier", F::kAccession},
    {D::kOvid, "accessionnumber", F::kAccession},
    {D::kOvid, "embaseaccessionnumber", F::kAccession},
    {D::kOvid, "database", F::kDatabase},
    {D::kOvid, "title", F::kTitle},
    {D::kOvid, "authors", F::kAuthor, S::kPerLine},
    {D::kOvid, "author", F::kAuthor, S::kPerLine},
    {D::kOvid, "authorsfullname", F::kFallbackAuthor, S::kPerLine},
    {D::kOvid, "source", F::kOvidSource},
    {D::kOvid, "journalname", F::kJournal},
    {D::kOvid, "journalabbreviation", F::kJournalAbbrev},
    {D::kOvid, "volume", F::kVolume},
    {D::kOvid, "issue", F::kIssue},
    {D::kOvid, "issuepart", F::kIssue},
    {D::kOvid, "page", F::kPages},
    {D::kOvid, "pagination", F::kPages},
    {D::kOvid, "yearofpublication", F::kYear},
    {D::kOvid, "dateofpublication", F::kDate},
    {D::kOvid, "publicationtype", F::kType, S::kPerLine},
    {D::kOvid, "digitalobjectidentifier", F::kDoi},
    {D::kOvid, "doi", F::kDoi},
    {D::kOvid, "pubmedid", F::kPmid},
    {D::kOvid, "pmid", F::kPmid},
    {D::kOvid, "medlinepmid", F::kPmid},
    {D::kOvid, "pubmedcentralidentifier", F::kPmcid},
    {D::kOvid, "abstract", F::kAbstract},
    {D::kOvid, "meshsubjectheadings", F::kKeyword, S::kPerLine},
    {D::kOvid, "keywordheading", F::kKeyword, S::kPerLine},
    {D::kOvid, "keywords", F::kKeyword, S::kPerLine},
    {D::kOvid, "emtreeheadings", F::kKeyword, S::kPerLine},
    {D::kOvid, "issn", F::kStandardNumber},
    {D::kOvid, "issnprint", F::kStandardNumber},
    {D::kOvid, "issnelectronic", F::kStandardNumber},
    {D::kOvid, "issnlinking", F::kStandardNumber},
    {D::kOvid, "isbn", F::kStandardNumber},
    {D::kOvid, "language", F::kLanguage},
    {D::kOvid, "publisher", F::kPublisher},
    {D::kOvid, "url", F::kUrl},

    // EndNote XML (EndNote, Zotero, Mendeley): elements, with the parent where it matters.
    {D::kEndnoteXml, "ref-type", F::kType},
    {D::kEndnoteXml, "work-type", F::kDocumentType},
    {D::kEndnoteXml, "rec-number", F::kId},
    {D::kEndnoteXml, "authors/author", F::kAuthor, S::kPerLine},
    {D::kEndnoteXml, "titles/title", F::kTitle},
    {D::kEndnoteXml, "titles/short-title", F::kFallbackTitle},
    {D::kEndnoteXml, "titles/secondary-title", F::kJournal, S::kNone, 1},
    {D::kEndnoteXml, "titles/alt-title", F::kJournalAbbrev, S::kNone, 1},
    {D::kEndnoteXml, "periodical/full-title", F::kJournal},
    {D::kEndnoteXml, "periodical/abbr-1", F::kJournalAbbrev},
    {D::kEndnoteXml, "alt-periodical/full-title", F::kJournalAbbrev, S::kNone, 2},
    {D::kEndnoteXml, "alt-periodical/abbr-1", F::kJournalAbbrev, S::kNone, 2},
    {D::kEndnoteXml, "pages", F::kPages},
    {D::kEndnoteXml, "volume", F::kVolume},
    {D::kEndnoteXml, "number", F::kIssue, S::kNone, 1},
    {D::kEndnoteXml, "issue", F::kIssue},
    {D::kEndnoteXml, "keywords/keyword", F::kKeyword, S::kPerLine},
    {D::kEndnoteXml, "dates/year", F::kYear},
    {D::kEndnoteXml, "pub-dates/date", F::kDate},
    {D::kEndnoteXml, "isbn", F::kStandardNumber},
    {D::kEndnoteXml, "electronic-resource-num", F::kDoi},
    {D::kEndnoteXml, "abstract", F::kAbstract},
    {D::kEndnoteXml, "language", F::kLanguage},
    {D::kEndnoteXml, "accession-num", F::kAccession},
    {D::kEndnoteXml, "related-urls/url", F::kUrl},
    {D::kEndnoteXml, "web-urls/url", F::kUrl, S::kNone, 1},
    {D::kEndnoteXml, "remote-database-name", F::kDatabase},
    {D::kEndnoteXml, "remote-database-provider", F::kDatabase, S::kNone, 1},
    {D::kEndnoteXml, "publisher", F::kPublisher},

    // BibTeX and biblatex fields (lower case).
    {D::kBibtex, "title", F::kTitle},
    {D::kBibtex, "shorttitle", F::kFallbackTitle},
    {D::kBibtex, "author", F::kAuthor, S::kPerLine},
    {D::kBibtex, "year", F::kYear},
    {D::kBibtex, "date", F::kDate},
    {D::kBibtex, "journal", F::kJournal},
    {D::kBibtex, "journaltitle", F::kJournal},
    {D::kBibtex, "booktitle", F::kJournal, S::kNone, 1},
    {D::kBibtex, "shortjournal", F::kJournalAbbrev},
    {D::kBibtex, "journal-iso", F::kJournalAbbrev},
    {D::kBibtex, "journalabbrev", F::kJournalAbbrev},
    {D::kBibtex, "volume", F::kVolume},
    {D::kBibtex, "number", F::kIssue, S::kNone, 1},
    {D::kBibtex, "issue", F::kIssue},
    {D::kBibtex, "pages", F::kPages},
    {D::kBibtex, "eid", F::kArticleNumber},
    {D::kBibtex, "articleno", F::kArticleNumber},
    {D::kBibtex, "doi", F::kDoi},
    {D::kBibtex, "pmid", F::kPmid},
    {D::kBibtex, "pmcid", F::kPmcid},
    {D::kBibtex, "abstract", F::kAbstract},
    {D::kBibtex, "keywords", F::kKeyword, S::kCommas},
    {D::kBibtex, "mesh", F::kKeyword, S::kCommas},
    {D::kBibtex, "issn", F::kStandardNumber},
    {D::kBibtex, "isbn", F::kStandardNumber},
    {D::kBibtex, "language", F::kLanguage},
    {D::kBibtex, "langid", F::kLanguage, S::kNone, 1},
    {D::kBibtex, "url", F::kUrl},
    {D::kBibtex, "publisher", F::kPublisher},
    {D::kBibtex, "accession", F::kAccession},
    {D::kBibtex, "accessionnumber", F::kAccession},
    {D::kBibtex, "wosid", F::kAccession},
    {D::kBibtex, "database", F::kDatabase},
    {D::kBibtex, "extra", F::kExtra},

    // Columns of delimited exports (normalised: lower case, letters and digits only). Scopus CSV,
    // Zotero CSV, EndNote tab-delimited, Rayyan, Covidence and hand-made tables.
    {D::kColumn, "title", F::kTitle},
    {D::kColumn, "ti", F::kTitle},
    {D::kColumn, "articletitle", F::kTitle},
    {D::kColumn, "documenttitle", F::kTitle},
    {D::kColumn, "primarytitle", F::kTitle},
    {D::kColumn, "shorttitle", F::kFallbackTitle},
    {D::kColumn, "authors", F::kAuthor, S::kAuthorList},
    {D::kColumn, "author", F::kAuthor, S::kAuthorList},
    {D::kColumn, "au", F::kAuthor, S::kAuthorList},
    {D::kColumn, "authorfullnames", F::kFallbackAuthor, S::kAuthorList},  // Scopus
    {D::kColumn, "year", F::kYear},
    {D::kColumn, "publicationyear", F::kYear},
    {D::kColumn, "py", F::kYear},
    {D::kColumn, "pubyear", F::kYear},
    {D::kColumn, "date", F::kDate},
    {D::kColumn, "publicationdate", F::kDate},
    {D::kColumn, "journal", F::kJournal},
    {D::kColumn, "journaltitle", F::kJournal},
    {D::kColumn, "sourcetitle", F::kJournal},       // Scopus
    {D::kColumn, "publicationtitle", F::kJournal},  // Zotero
    {D::kColumn, "secondarytitle", F::kJournal},    // EndNote
    {D::kColumn, "jo", F::kJournal},
    {D::kColumn, "journalabbreviation", F::kJournalAbbrev},   // Zotero
    {D::kColumn, "abbreviatedsourcetitle", F::kJournalAbbrev},  // Scopus
    {D::kColumn, "alternatejournal", F::kJournalAbbrev},      // EndNote
    {D::kColumn, "volume", F::kVolume},
    {D::kColumn, "vl", F::kVolume},
    {D::kColumn, "issue", F::kIssue},
    {D::kColumn, "number", F::kIssue, S::kNone, 1},
    {D::kColumn, "is", F::kIssue},
    {D::kColumn, "pages", F::kPages},
    {D::kColumn, "page", F::kPages},
    {D::kColumn, "pagestart", F::kStartPage},  // Scopus
    {D::kColumn, "startpage", F::kStartPage},
    {D::kColumn, "pageend", F::kEndPage},
    {D::kColumn, "endpage", F::kEndPage},
    {D::kColumn, "artno", F::kArticleNumber},  // Scopus "Art. No."
    {D::kColumn, "articlenumber", F::kArticleNumber},
    {D::kColumn, "doi", F::kDoi},
    {D::kColumn, "pmid", F::kPmid},
    {D::kColumn, "pubmedid", F::kPmid},
    {D::kColumn, "pmcid", F::kPmcid},
    {D::kColumn, "abstract", F::kAbstract},
    {D::kColumn, "abstractnote", F::kAbstract},  // Zotero
    {D::kColumn, "ab", F::kAbstract},
    {D::kColumn, "keywords", F::kKeyword, S::kSemicolons},
    {D::kColumn, "authorkeywords", F::kKeyword, S::kSemicolons},
    {D::kColumn, "indexkeywords", F::kKeyword, S::kSemicolons},
    {D::kColumn, "manualtags", F::kKeyword, S::kSemicolons},
    {D::kColumn, "automatictags", F::kKeyword, S::kSemicolons},
    {D::kColumn, "meshterms", F::kKeyword, S::kSemicolons},
    {D::kColumn, "kw", F::kKeyword, S::kSemicolons},
    {D::kColumn, "issn", F::kStandardNumber},
    {D::kColumn, "isbn", F::kStandardNumber},
    {D::kColumn, "isbnissn", F::kStandardNumber},  // EndNote "ISBN/ISSN"
    {D::kColumn, "sn", F::kStandardNumber},
    {D::kColumn, "language", F::kLanguage},
    {D::kColumn, "languageoforiginaldocument", F::kLanguage},  // Scopus
    {D::kColumn, "la", F::kLanguage},
    {D::kColumn, "url", F::kUrl},
    {D::kColumn, "link", F::kUrl},
    {D::kColumn, "publisher", F::kPublisher},
    {D::kColumn, "eid", F::kAccession},  // Scopus
    {D::kColumn, "accessionnumber", F::kAccession},
    {D::kColumn, "accession", F::kAccession},
    {D::kColumn, "source", F::kDatabase},          // Scopus: "Scopus"
    {D::kColumn, "librarycatalog", F::kDatabase},  // Zotero
    {D::kColumn, "database", F::kDatabase},
    {D::kColumn, "databasename", F::kDatabase},    // EndNote
    {D::kColumn, "nameofdatabase", F::kDatabase},
    {D::kColumn, "key", F::kId},  // Zotero, Rayyan
    {D::kColumn, "id", F::kId},
    {D::kColumn, "recordid", F::kId},
    {D::kColumn, "record", F::kId},
    {D::kColumn, "covidence", F::kId},  // Covidence "Covidence #"
    {D::kColumn, "type", F::kType},
    {D::kColumn, "ty", F::kType},
    {D::kColumn, "itemtype", F::kType},       // Zotero
    {D::kColumn, "referencetype", F::kType},  // EndNote
    {D::kColumn, "documenttype", F::kDocumentType},  // Scopus
    {D::kColumn, "publicationtype", F::kDocumentType},
    {D::kColumn, "extra", F::kExtra},  // Zotero
};

struct Key {
  Dialect dialect;
  std::string_view name;
  bool operator==(const Key&) const = default;
};
struct KeyHash {
  std::size_t operator()(const Key& k) const noexcept {
    return std::hash<std::string_view>{}(k.name) * 31 + static_cast<std::size_t>(k.dialect);
  }
};

const std::unordered_map<Key, const Synonym*, KeyHash>& index() {
  static const auto map = [] {
    std::unordered_map<Key, const Synonym*, KeyHash> m;
    for (const auto& s : kTable) m.emplace(Key{s.dialect, s.name}, &s);
    return m;
  }();
  return map;
}

}  // namespace

const Synonym* find_synonym(Dialect dialect, std::string_view name) {
  // Tags are matched without regard to case (lower-case RIS tags are common in hand-edited files).
  // Ovid's reader upper-cases its tags itself: its display labels are keyed in lower case.
  const bool tags = dialect == Dialect::kRis || dialect == Dialect::kMedline || dialect == Dialect::kWos;
  char upper[8];
  if (tags && name.size() <= sizeof upper) {
    for (std::size_t i = 0; i < name.size(); ++i) {
      const char c = name[i];
      upper[i] = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    }
    name = std::string_view(upper, name.size());
  }
  const auto& map = index();
  const auto it = map.find(Key{dialect, name});
  return it == map.end() ? nullptr : it->second;
}

std::string normalise_column(std::string_view header) {
  std::string out;
  for (const char c : header) {
    if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out += c;
    }
  }
  return out;
}

}  // namespace carta::io::records
