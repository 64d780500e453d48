# Reference variance components for test_gtheory_nested.py's unbalanced stations design
# (raters nested in stations, crossed with candidates), fitted by REML with lme4.
# Debian's r-cran-lme4. Run from this folder:
#   Rscript nested_reference.R > nested_output.txt
suppressPackageStartupMessages(library(lme4))
cat("# R ", R.version$major, ".", R.version$minor, " lme4 ", format(packageVersion("lme4")),
    "\n", sep = "")
d <- read.csv("stations.csv", colClasses = c(candidate_id = "character",
                                             rater_id = "character",
                                             station = "character"))
fit <- lmer(score ~ 1 + (1 | candidate_id) + (1 | station) + (1 | station:rater_id) +
              (1 | candidate_id:station), data = d, REML = TRUE)
vc <- as.data.frame(VarCorr(fit))
for (i in seq_len(nrow(vc))) cat(vc$grp[i], sprintf("%.10f", vc$vcov[i]), "\n")
cat("logLik", sprintf("%.8f", as.numeric(logLik(fit))), "\n")
