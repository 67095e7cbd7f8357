// carta screening's whole import: the format told from the columns (carta's decision log, Rayyan,
// Covidence), up to three files of one review (split at a 0x1E byte), each with the part a user
// may give before '=' (a Rayyan stage or a Covidence list), the vote parser of Rayyan's notes,
// then the summary and the PRISMA counts built from it.
#include <array>
#include <string>
#include <vector>

#include "carta/io/screening_table.hpp"
#include "carta/io/table.hpp"
#include "carta/review/prisma.hpp"
#include "carta/review/screening.hpp"
#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const unsigned choice = data[0];
  return carta::fuzz::run(data + 1, size - 1, [choice](std::string_view text) {
    static const std::array<const char*, 8> kParts = {"",       "title_abstract", "full_text",  "included",
                                                       "screen", "excluded",       "irrelevant", "select"};
    std::vector<carta::io::ScreeningSource> sources;
    std::size_t start = 0;
    for (unsigned i = 0; i < 3 && start <= text.size(); ++i) {
      const std::size_t end = std::min(text.find('\x1e', start), text.size());
      const std::string name = "fuzz" + std::to_string(i) + ".csv";
      sources.push_back({carta::io::parse_delimited(text.substr(start, end - start), ',', name),
                         kParts[(choice >> (i * 3 % 8)) % kParts.size()]});
      start = end + 1;
    }
    const auto imported = carta::io::load_screening(sources, (choice & 0x80) ? "Carol" : "adjudicator");
    carta::review::ScreeningOptions options;
    const auto result = carta::review::summarise_screening(imported.log, options);
    carta::review::PrismaCounts ident;
    ident.database_results = 100000;
    auto counts = carta::review::prisma_counts(result, ident);
    (void)carta::review::complete_and_check(counts);
  });
}
