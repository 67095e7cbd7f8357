// The comparative inputs: the two-arm table loader with every measure and common-effect method
// (the choice taken from the input's size), and the reported-effect loader with the generic
// inverse-variance pooling, ratios or not; the first table is also read as means (MD, SMD). The input is a two-arm CSV (columns study, e1, n1,
// e2, n2), a line "---", and a reported-effect CSV (study, est, se, lower, upper, p, oe, v).
#include "carta/comparative.hpp"
#include "carta/io/comparative_table.hpp"
#include "carta/io/table.hpp"
#include "fuzz_target.hpp"

namespace {

void two_arm(std::string_view text, std::size_t choice) {
  const auto table = carta::io::parse_delimited(text, ',', "arms.csv");
  const auto load = carta::io::load_two_arm_studies(table, {"e1", "n1", "e2", "n2", std::string("study"), {}});
  carta::ComparativeOptions options;
  constexpr carta::BinaryMeasure kMeasures[] = {carta::BinaryMeasure::kOR, carta::BinaryMeasure::kRR,
                                                carta::BinaryMeasure::kRD, carta::BinaryMeasure::kAS};
  constexpr carta::ComparativeMethod kMethods[] = {carta::ComparativeMethod::kInverseVariance,
                                                   carta::ComparativeMethod::kMantelHaenszel, carta::ComparativeMethod::kPeto};
  constexpr carta::ZeroCellCorrection kCorrections[] = {carta::ZeroCellCorrection::kAllCells,
                                                        carta::ZeroCellCorrection::kTreatmentArm,
                                                        carta::ZeroCellCorrection::kNone};
  options.effect.measure = kMeasures[choice % 4];
  options.method = kMethods[(choice / 4) % 3];
  options.effect.correction = kCorrections[(choice / 12) % 3];
  (void)carta::compare_binary(load.studies, options);
}

// The same table read as means (columns study, m1, s1, n1, m2, s2, n2), as MD or SMD.
void continuous(std::string_view text, bool standardised) {
  const auto table = carta::io::parse_delimited(text, ',', "means.csv");
  const auto load = carta::io::load_continuous_studies(table, {"m1", "s1", "n1", "m2", "s2", "n2", std::string("study"), {}, {}, {}});
  carta::EffectAnalysisRequest request;
  request.small_study_effects = true;
  request.leave_one_out = load.studies.size() >= 2;
  (void)carta::compare_continuous(load.studies, standardised ? carta::ContinuousMeasure::kSMD : carta::ContinuousMeasure::kMD,
                                  carta::PoolOptions{}, request);
}

void reported(std::string_view text, bool ratio) {
  const auto table = carta::io::parse_delimited(text, ',', "effects.csv");
  carta::io::ReportedColumns columns;
  columns.estimate = "est";
  columns.se = "se";
  columns.lower = "lower";
  columns.upper = "upper";
  columns.p = "p";
  columns.o_minus_e = "oe";
  columns.logrank_variance = "v";
  columns.label = "study";
  const auto load = carta::io::load_reported_effects(table, columns);
  std::vector<carta::EffectStudy> effects;
  for (const auto& s : load.studies) {
    std::string note;
    effects.push_back(carta::effect_from_report(s, {ratio, 0.95}, &note));
  }
  (void)carta::pool_effects(effects, carta::PoolOptions{});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return carta::fuzz::run(data, size, [size](std::string_view text) {
    const auto split = text.find("\n---\n");
    if (split != std::string_view::npos) {
      try {
        reported(text.substr(split + 5), size % 2 == 0);
      } catch (const carta::Error&) {
        // Reported as it should be; the two-arm part is still worth running.
      }
    }
    try {
      continuous(text.substr(0, split), size % 3 == 0);
    } catch (const carta::Error&) {
      // Most two-arm tables are no table of means; the two-arm reading below still runs.
    }
    two_arm(text.substr(0, split), size);
  });
}
