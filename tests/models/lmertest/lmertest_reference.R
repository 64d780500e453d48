# Reference values for interviewlab's Satterthwaite tests (tests/models/test_satterthwaite.py).
# R 4.x with lme4 and lmerTest (Debian r-cran-lme4, r-cran-lmertest). Run from this folder:
#   Rscript lmertest_reference.R > lmertest_output.txt
suppressPackageStartupMessages(library(lmerTest))
cat("# R", R.version$major, ".", R.version$minor, " lme4 ", format(packageVersion("lme4")),
    " lmerTest ", format(packageVersion("lmerTest")), "\n", sep = "")
fits <- list(
  crossed = list(
    data = "crossed.csv",
    formula = score ~ group + (1 | candidate) + (1 | rater) + (1 | question)
  ),
  between = list(
    data = "between.csv",
    formula = score ~ format * group + question + (1 | candidate) + (1 | rater)
  ),
  unbalanced = list(
    data = "unbalanced.csv",
    formula = score ~ format + quality + question + (1 | candidate) + (1 | rater) +
      (1 | candidate:rater)
  )
)
ctrl <- lmerControl(optimizer = "bobyqa", optCtrl = list(maxfun = 1e5))
for (name in names(fits)) {
  spec <- fits[[name]]
  d <- read.csv(spec$data, stringsAsFactors = TRUE)
  m <- lmer(spec$formula, data = d, REML = TRUE, control = ctrl)
  co <- summary(m, ddf = "Satterthwaite")$coefficients
  out <- data.frame(design = name, term = rownames(co), estimate = co[, "Estimate"],
                    se = co[, "Std. Error"], df = co[, "df"], t = co[, "t value"],
                    p_value = co[, "Pr(>|t|)"], row.names = NULL)
  write.csv(format(out, digits = 12), row.names = FALSE, quote = FALSE)
  vc <- as.data.frame(VarCorr(m))
  cat("# variances", name, paste(vc$grp, format(vc$vcov, digits = 12), sep = "=", collapse = " "), "\n")
  cat("# REML loglik", name, format(as.numeric(logLik(m)), digits = 12), "\n")
}
# A linear combination: the group gap in the live format (between design),
# groupreference + formatlive:groupreference.
d <- read.csv("between.csv", stringsAsFactors = TRUE)
m <- lmer(fits$between$formula, data = d, REML = TRUE, control = ctrl)
L <- c(0, 0, 1, 0, 0, 1)
ct <- contest1D(m, L)
cat("# contrast between gap_live estimate=", format(ct$Estimate, digits = 12),
    " se=", format(ct$`Std. Error`, digits = 12), " df=", format(ct$df, digits = 12),
    " p_value=", format(ct$`Pr(>|t|)`, digits = 12), "\n", sep = "")
