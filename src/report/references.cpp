#include "references.hpp"

#include <algorithm>
#include <stdexcept>

namespace carta::report {

// Each citation checked against the journal's record (or, for books and reports, the
// publisher's); the sources are listed in docs/methods/references.md.
const std::vector<Source>& sources() {
  static const std::vector<Source> all = {
      {"agresti_coull1998", "Agresti and Coull 1998",
       "Agresti A, Coull BA. Approximate is better than \"exact\" for interval estimation of binomial proportions. Am Stat. "
       "1998;52(2):119-26.",
       "10.1080/00031305.1998.10480550"},
      {"baujat2002", "Baujat et al. 2002",
       "Baujat B, Mah\u00e9 C, Pignon JP, Hill C. A graphical method for exploring heterogeneity in meta-analyses: "
       "application to a meta-analysis of 65 trials. Stat Med. 2002;21(18):2641-52.",
       "10.1002/sim.1221"},
      {"begg_mazumdar1994", "Begg and Mazumdar 1994",
       "Begg CB, Mazumdar M. Operating characteristics of a rank correlation test for publication bias. Biometrics. "
       "1994;50(4):1088-101.",
       "10.2307/2533446"},
      {"borenstein2009", "Borenstein et al. 2009",
       "Borenstein M, Hedges LV, Higgins JPT, Rothstein HR. Introduction to meta-analysis. Chichester (UK): "
       "Wiley; 2009.",
       ""},
      {"clopper_pearson1934", "Clopper and Pearson 1934",
       "Clopper CJ, Pearson ES. The use of confidence or fiducial limits illustrated in the case of the binomial. "
       "Biometrika. 1934;26(4):404-13.",
       "10.1093/biomet/26.4.404"},
      {"combescure2014", "Combescure et al. 2014",
       "Combescure C, Foucher Y, Jackson D. Meta-analysis of single-arm survival studies: a "
       "distribution-free approach for estimating summary survival curves with random effects. Stat Med. "
       "2014;33(15):2521-37.",
       "10.1002/sim.6111"},
      {"dersimonian1986", "DerSimonian and Laird 1986",
       "DerSimonian R, Laird N. Meta-analysis in clinical trials. Control Clin Trials. 1986;7(3):177-88.",
       "10.1016/0197-2456(86)90046-2"},
      {"dersimonian_kacker2007", "DerSimonian and Kacker 2007",
       "DerSimonian R, Kacker R. Random-effects model for meta-analysis of clinical trials: an update. Contemp Clin "
       "Trials. 2007;28(2):105-14.",
       "10.1016/j.cct.2006.04.004"},
      {"duval_tweedie2000a", "Duval and Tweedie 2000",
       "Duval S, Tweedie R. Trim and fill: a simple funnel-plot-based method of testing and adjusting for publication "
       "bias in meta-analysis. Biometrics. 2000;56(2):455-63.",
       "10.1111/j.0006-341x.2000.00455.x"},
      {"egger1997", "Egger et al. 1997",
       "Egger M, Davey Smith G, Schneider M, Minder C. Bias in meta-analysis detected by a simple, graphical test. BMJ. "
       "1997;315(7109):629-34.",
       "10.1136/bmj.315.7109.629"},
      {"eldridge2021", "Eldridge et al. 2021",
       "Eldridge S, Campbell M, Campbell M, et al. Revised Cochrane risk of bias tool for randomized trials "
       "(RoB 2): additional considerations for cluster-randomized trials (RoB 2 CRT) [Internet]. Version of "
       "18 March 2021. Available from: "
       "https://www.riskofbias.info/welcome/rob-2-0-tool/rob-2-for-cluster-randomized-trials",
       ""},
      {"freeman_tukey1950", "Freeman and Tukey 1950",
       "Freeman MF, Tukey JW. Transformations related to the angular and the square root. Ann Math Stat. "
       "1950;21(4):607-11.",
       "10.1214/aoms/1177729756"},
      {"guyatt2008", "Guyatt et al. 2008",
       "Guyatt GH, Oxman AD, Vist GE, et al. GRADE: an emerging consensus on rating quality of evidence and "
       "strength of recommendations. BMJ. 2008;336(7650):924-6.",
       "10.1136/bmj.39489.470347.AD"},
      {"guyot2012", "Guyot et al. 2012",
       "Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of survival data: reconstructing the data "
       "from published Kaplan-Meier survival curves. BMC Med Res Methodol. 2012;12:9.",
       "10.1186/1471-2288-12-9"},
      {"hardy_thompson1996", "Hardy and Thompson 1996",
       "Hardy RJ, Thompson SG. A likelihood approach to meta-analysis with random effects. Stat Med. "
       "1996;15(6):619-29.",
       "10.1002/(SICI)1097-0258(19960330)15:6<619::AID-SIM188>3.0.CO;2-A"},
      {"hartung_knapp2001", "Hartung and Knapp 2001",
       "Hartung J, Knapp G. A refined method for the meta-analysis of controlled clinical trials with binary outcome. "
       "Stat Med. 2001;20(24):3875-89.",
       "10.1002/sim.1009"},
      {"hayden2013", "Hayden et al. 2013",
       "Hayden JA, van der Windt DA, Cartwright JL, C\u00f4t\u00e9 P, Bombardier C. Assessing bias in studies of prognostic "
       "factors. Ann Intern Med. 2013;158(4):280-6.",
       "10.7326/0003-4819-158-4-201302190-00009"},
      {"hedges1983", "Hedges 1983",
       "Hedges LV. A random effects model for effect sizes. Psychol Bull. 1983;93(2):388-95.",
       "10.1037/0033-2909.93.2.388"},
      {"higgins2009", "Higgins et al. 2009",
       "Higgins JPT, Thompson SG, Spiegelhalter DJ. A re-evaluation of random-effects meta-analysis. J R Stat Soc Ser A "
       "Stat Soc. 2009;172(1):137-59.",
       "10.1111/j.1467-985X.2008.00552.x"},
      {"higgins2011", "Higgins et al. 2011",
       "Higgins JPT, Altman DG, G\u00f8tzsche PC, et al. The Cochrane Collaboration's tool for assessing "
       "risk of bias in randomised trials. BMJ. 2011;343:d5928.",
       "10.1136/bmj.d5928"},
      {"higgins2024", "Higgins et al. 2024",
       "Higgins JPT, Morgan RL, Rooney AA, et al. A tool to assess risk of bias in non-randomized follow-up "
       "studies of exposure effects (ROBINS-E). Environ Int. 2024;186:108602.",
       "10.1016/j.envint.2024.108602"},
      {"higgins_thompson2002", "Higgins and Thompson 2002",
       "Higgins JPT, Thompson SG. Quantifying heterogeneity in a meta-analysis. Stat Med. 2002;21(11):1539-58.",
       "10.1002/sim.1186"},
      {"hunter_schmidt2004", "Hunter and Schmidt 2004",
       "Hunter JE, Schmidt FL. Methods of meta-analysis: correcting error and bias in research findings. 2nd "
       "ed. Thousand Oaks (CA): Sage; 2004.",
       ""},
      {"jackson2013", "Jackson 2013",
       "Jackson D. Confidence intervals for the between-study variance in random effects meta-analysis using "
       "generalised Cochran heterogeneity statistics. Res Synth Methods. 2013;4(3):220-9.",
       "10.1002/jrsm.1081"},
      {"miller1978", "Miller 1978",
       "Miller JJ. The inverse of the Freeman-Tukey double arcsine transformation. Am Stat. 1978;32(4):138.",
       "10.1080/00031305.1978.10479283"},
      {"moga2012", "Moga et al. 2012",
       "Moga C, Guo B, Schopflocher D, Harstall C. Development of a quality appraisal tool for case series studies using "
       "a modified Delphi technique. Edmonton: Institute of Health Economics; 2012.",
       ""},
      {"morris1983", "Morris 1983",
       "Morris CN. Parametric empirical Bayes inference: theory and applications. J Am Stat Assoc. "
       "1983;78(381):47-55.",
       "10.2307/2287098"},
      {"newcombe1998", "Newcombe 1998",
       "Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of seven methods. Stat Med. "
       "1998;17(8):857-72.",
       "10.1002/(SICI)1097-0258(19980430)17:8<857::AID-SIM777>3.0.CO;2-E"},
      {"page2021", "Page et al. 2021",
       "Page MJ, McKenzie JE, Bossuyt PM, et al. The PRISMA 2020 statement: an updated guideline for "
       "reporting systematic reviews. BMJ. 2021;372:n71.",
       "10.1136/bmj.n71"},
      {"paule_mandel1982", "Paule and Mandel 1982",
       "Paule RC, Mandel J. Consensus values and weighting factors. J Res Natl Bur Stand (1977). "
       "1982;87(5):377-85.",
       "10.6028/jres.087.022"},
      {"peters2006", "Peters et al. 2006",
       "Peters JL, Sutton AJ, Jones DR, Abrams KR, Rushton L. Comparison of two methods to detect publication bias in "
       "meta-analysis. JAMA. 2006;295(6):676-80.",
       "10.1001/jama.295.6.676"},
      {"schunemann2019", "Sch\u00fcnemann et al. 2019",
       "Sch\u00fcnemann HJ, Cuello C, Akl EA, et al. GRADE guidelines: 18. How ROBINS-I and other tools to "
       "assess risk of bias in nonrandomized studies should be used to rate the certainty of a body of "
       "evidence. J Clin Epidemiol. 2019;111:105-14.",
       "10.1016/j.jclinepi.2018.01.012"},
      {"sidik_jonkman2002", "Sidik and Jonkman 2002",
       "Sidik K, Jonkman JN. A simple confidence interval for meta-analysis. Stat Med. 2002;21(21):3153-9.",
       "10.1002/sim.1262"},
      {"sidik_jonkman2005", "Sidik and Jonkman 2005",
       "Sidik K, Jonkman JN. Simple heterogeneity variance estimation for meta-analysis. J R Stat Soc Ser C Appl Stat. "
       "2005;54(2):367-84.",
       "10.1111/j.1467-9876.2005.00489.x"},
      {"sterne2016", "Sterne et al. 2016",
       "Sterne JAC, Hern\u00e1n MA, Reeves BC, et al. ROBINS-I: a tool for assessing risk of bias in "
       "non-randomised studies of interventions. BMJ. 2016;355:i4919.",
       "10.1136/bmj.i4919"},
      {"sterne2019", "Sterne et al. 2019",
       "Sterne JAC, Savovi\u0107 J, Page MJ, et al. RoB 2: a revised tool for assessing risk of bias in "
       "randomised trials. BMJ. 2019;366:l4898.",
       "10.1136/bmj.l4898"},
      {"stijnen2010", "Stijnen et al. 2010",
       "Stijnen T, Hamza TH, \u00d6zdemir P. Random effects meta-analysis of event outcome in the framework of the "
       "generalized linear mixed model with applications in sparse data. Stat Med. 2010;29(29):3046-67.",
       "10.1002/sim.4040"},
      {"thompson_higgins2002", "Thompson and Higgins 2002",
       "Thompson SG, Higgins JPT. How should meta-regression analyses be undertaken and interpreted? Stat Med. "
       "2002;21(11):1559-73.",
       "10.1002/sim.1187"},
      {"viechtbauer2005", "Viechtbauer 2005",
       "Viechtbauer W. Bias and efficiency of meta-analytic variance estimators in the random-effects model. J Educ "
       "Behav Stat. 2005;30(3):261-93.",
       "10.3102/10769986030003261"},
      {"viechtbauer2007", "Viechtbauer 2007",
       "Viechtbauer W. Confidence intervals for the amount of heterogeneity in meta-analysis. Stat Med. "
       "2007;26(1):37-52.",
       "10.1002/sim.2514"},
      {"viechtbauer2010", "Viechtbauer 2010",
       "Viechtbauer W. Conducting meta-analyses in R with the metafor package. J Stat Softw. 2010;36(3):1-48.",
       "10.18637/jss.v036.i03"},
      {"viechtbauer_cheung2010", "Viechtbauer and Cheung 2010",
       "Viechtbauer W, Cheung MWL. Outlier and influence diagnostics for meta-analysis. Res Synth Methods. "
       "2010;1(2):112-25.",
       "10.1002/jrsm.11"},
      {"wells_nos", "Wells et al.",
       "Wells GA, Shea B, O'Connell D, et al. The Newcastle-Ottawa Scale (NOS) for assessing the quality of "
       "nonrandomised studies in meta-analyses. Ottawa: Ottawa Hospital Research Institute. Available from: "
       "https://www.ohri.ca/programs/clinical_epidemiology/oxford.asp.",
       ""},
      {"whiting2011", "Whiting et al. 2011",
       "Whiting PF, Rutjes AWS, Westwood ME, et al. QUADAS-2: a revised tool for the quality assessment of "
       "diagnostic accuracy studies. Ann Intern Med. 2011;155(8):529-36.",
       "10.7326/0003-4819-155-8-201110180-00009"},
      {"wilson1927", "Wilson 1927",
       "Wilson EB. Probable inference, the law of succession, and statistical inference. J Am Stat Assoc. "
       "1927;22(158):209-12.",
       "10.1080/01621459.1927.10502953"},
  };
  return all;
}

std::string Citations::cite(std::string_view key) {
  const auto& all = sources();
  const auto it = std::find_if(all.begin(), all.end(), [&](const Source& s) { return s.key == key; });
  if (it == all.end()) throw std::logic_error("no reference with the key " + std::string(key));
  if (std::find(cited_.begin(), cited_.end(), &*it) == cited_.end()) cited_.push_back(&*it);
  return std::string(it->in_text);
}

std::string Citations::cite(std::initializer_list<std::string_view> keys) {
  std::string out;
  for (const auto key : keys) out += (out.empty() ? "" : "; ") + cite(key);
  return out;
}

std::vector<Reference> Citations::references() const {
  std::vector<Reference> out;
  for (const auto* s : cited_) out.push_back({std::string(s->key), std::string(s->in_text), std::string(s->citation), std::string(s->doi)});
  std::sort(out.begin(), out.end(), [](const Reference& a, const Reference& b) { return a.citation < b.citation; });
  return out;
}

}  // namespace carta::report
