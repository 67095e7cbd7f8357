// The digitised-curve and at-risk readers and the reconstruction (Guyot 2012): the input is a
// curve CSV, a line "---", and an at-risk CSV.
#include "carta/io/survival_table.hpp"
#include "carta/io/table.hpp"
#include "carta/km_reconstruct.hpp"
#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return carta::fuzz::run(data, size, [](std::string_view text) {
    const auto split = text.find("\n---\n");
    const std::string_view curve_text = text.substr(0, split);
    const std::string_view risk_text = split == std::string_view::npos ? std::string_view("time,n_risk\n0,10\n") : text.substr(split + 5);
    const auto curve = carta::io::curve_from_table(carta::io::parse_delimited(curve_text, ',', "curve.csv"));
    const auto risk = carta::io::at_risk_from_table(carta::io::parse_delimited(risk_text, ',', "risk.csv"));
    carta::ReconstructionOptions options;
    options.max_iterations = 200;
    (void)carta::reconstruct_ipd(curve, risk, options);
  });
}
