# Reference values for compare_formats when the reference group was rated in one format only
# (tests/formats/test_compare_formats.py). R 4.x with lme4, lmerTest and MASS (Debian
# r-cran-lme4, r-cran-lmertest, r-cran-mass). Run from this folder:
#   Rscript lmertest_reference.R > lmertest_output.txt
# lmer drops the aliased column of the fixed-effects design (lme4's chkRank.drop.cols,
# "fixed-effect model matrix is rank deficient so dropping 1 column / coefficient");
# whether each contrast is estimable is decided here independently, from the null space
# of the full design (MASS::Null), and each estimable one is tested with contest1D on
# the kept coefficients (the dropped one is 0, as in lmer's fit).
suppressPackageStartupMessages({library(lmerTest); library(MASS)})
cat("# R", R.version$major, ".", R.version$minor, " lme4 ", format(packageVersion("lme4")),
    " lmerTest ", format(packageVersion("lmerTest")), "\n", sep = "")
d <- read.csv("reference_one_format.csv", stringsAsFactors = TRUE)
d$fa <- as.numeric(d$format == "async")
d$group <- relevel(d$group, ref = "A")
ctrl <- lmerControl(optimizer = "bobyqa", optCtrl = list(maxfun = 1e5))
m <- withCallingHandlers(
  lmer(score ~ fa * group + question_id + (1 | candidate_id) + (1 | rater_id),
       data = d, REML = TRUE, control = ctrl),
  message = function(msg) {
    cat("# lmer:", trimws(conditionMessage(msg)), "\n")
    invokeRestart("muffleMessage")
  })
X <- model.matrix(~ fa * group + question_id, data = d)
cat("# dropped:", setdiff(colnames(X), names(fixef(m))), "\n")
N <- Null(t(X))  # basis of the null space of X: X %*% N = 0
share <- table(d$group[!duplicated(d$candidate_id)]) / length(unique(d$candidate_id))
contrasts <- list(
  format_all = c(fa = 1, "fa:groupB" = share[["B"]], "fa:groupC" = share[["C"]]),
  format_A = c(fa = 1),
  format_B = c(fa = 1, "fa:groupB" = 1),
  format_C = c(fa = 1, "fa:groupC" = 1),
  gap_B_live = c(groupB = 1),
  gap_B_async = c(groupB = 1, "fa:groupB" = 1),
  gap_C_live = c(groupC = 1),
  gap_C_async = c(groupC = 1, "fa:groupC" = 1),
  interaction_B = c("fa:groupB" = 1),
  interaction_C = c("fa:groupC" = 1)
)
cat("contrast,estimable,estimate,se,df,p_value\n")
for (name in names(contrasts)) {
  L <- setNames(numeric(ncol(X)), colnames(X))
  L[names(contrasts[[name]])] <- contrasts[[name]]
  ok <- max(abs(crossprod(N, L))) < 1e-8
  if (ok) {
    ct <- contest1D(m, L[names(fixef(m))])
    cat(name, ",TRUE,", format(ct$Estimate, digits = 12), ",",
        format(ct$`Std. Error`, digits = 12), ",", format(ct$df, digits = 12), ",",
        format(ct$`Pr(>|t|)`, digits = 12), "\n", sep = "")
  } else {
    cat(name, ",FALSE,,,,\n", sep = "")
  }
}
vc <- as.data.frame(VarCorr(m))
cat("# variances", paste(vc$grp, format(vc$vcov, digits = 12), sep = "=", collapse = " "), "\n")
cat("# REML loglik", format(as.numeric(logLik(m)), digits = 12), "\n")
