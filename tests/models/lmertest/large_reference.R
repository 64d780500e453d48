# Reference values for tests/models/test_large_design.py (issue 29).
# R 4.x with lme4 and lmerTest (Debian r-cran-lme4, r-cran-lmertest). Run from this folder
# (about 5 minutes):
#   Rscript large_reference.R > large_output.txt
# The data are written by make_large_design.py (large.csv.gz, boundary.csv); crossed.csv
# and between.csv by make_data.py.
suppressPackageStartupMessages(library(lmerTest))
cat("# R", R.version$major, ".", R.version$minor, " lme4 ", format(packageVersion("lme4")),
    " lmerTest ", format(packageVersion("lmerTest")), "\n", sep = "")
emit <- function(name, m) {
  co <- summary(m, ddf = "Satterthwaite")$coefficients
  out <- data.frame(design = name, term = rownames(co), estimate = co[, "Estimate"],
                    se = co[, "Std. Error"], df = co[, "df"], row.names = NULL)
  write.csv(format(out, digits = 12), row.names = FALSE, quote = FALSE)
  vc <- as.data.frame(VarCorr(m))
  cat("# variances", name, paste(vc$grp, format(vc$vcov, digits = 12), sep = "=", collapse = " "), "\n")
  cat("# loglik", name, format(as.numeric(logLik(m)), digits = 15), "\n")
}
large <- read.csv("large.csv.gz", stringsAsFactors = TRUE)
large$service <- factor(large$service)
# InstEval's first model: y ~ service + (1 | s) + (1 | d) + (1 | dept)
m1 <- lmer(y ~ service + (1 | s) + (1 | d) + (1 | dept), data = large, REML = TRUE)
emit("large_reml", m1)
m1ml <- lmer(y ~ service + (1 | s) + (1 | d) + (1 | dept), data = large, REML = FALSE)
emit("large_ml", m1ml)
# InstEval's second model: y ~ service * dept + (1 | s) + (1 | d)
m2 <- lmer(y ~ service * dept + (1 | s) + (1 | d), data = large, REML = TRUE)
emit("large_interaction", m2)

# The boundary case: lme4's optimum, and lme4's own REML criterion at interviewlab's
# estimate (theta = relative SDs of cand and rater, from fit_mixed on boundary.csv)
b <- read.csv("boundary.csv")
b$cand <- factor(b$cand)
b$rater <- factor(b$rater)
mb <- lmer(score ~ 1 + (1 | cand) + (1 | rater), data = b, REML = TRUE)
emit("boundary", mb)
ours <- c(0.6391968911012079, 8.623157682131117e-05, 1.0875466641960816)
dev <- getME(mb, "devfun")
cat("# lme4 loglik at interviewlab's theta", format(-0.5 * dev(sqrt(ours[1:2] / ours[3])), digits = 15), "\n")

# confint(profile) for the variances: lme4 profiles the ML deviance (devfun2 calls
# refitML) even for a REML fit, so these are compared with fit_mixed(method = "ml")
for (name in c("crossed", "between")) {
  d <- read.csv(paste0(name, ".csv"), stringsAsFactors = TRUE)
  f <- if (name == "crossed") {
    score ~ group + (1 | candidate) + (1 | rater) + (1 | question)
  } else {
    score ~ format * group + question + (1 | candidate) + (1 | rater)
  }
  m <- lmer(f, data = d, REML = TRUE)
  ci <- confint(profile(m, which = "theta_"), oldNames = FALSE)
  cat("# profile", name, paste(rownames(ci), format(ci[, 1]^2, digits = 12),
      format(ci[, 2]^2, digits = 12), sep = ":", collapse = " "), "\n")
}
