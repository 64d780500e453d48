# Reference values of R's glm for impact_over_time's trend test
# (tests/impact/test_impact_over_time.py). R 4.x, base stats only. Run from this folder:
#   Rscript glm_reference.R > glm_output.txt
# Model: logit P(selected) = group + t + group:t, t = period - 1, reference group A;
# binomial counts cbind(selected, n - selected). Then the likelihood-ratio test of the
# interactions against the model without them (anova(..., test = "Chisq")).
d <- read.csv("trend_counts.csv")
d$category <- relevel(factor(d$category), ref = "A")
d$t <- d$period - 1
full <- glm(cbind(selected, n - selected) ~ category * t, family = binomial, data = d)
reduced <- glm(cbind(selected, n - selected) ~ category + t, family = binomial, data = d)
co <- coef(summary(full))
cat("# R", R.version$major, ".", R.version$minor, "\n", sep = "")
cat("term,estimate,se,z,p\n")
for (term in rownames(co)) {
  cat(term, ",", paste(format(co[term, ], digits = 15), collapse = ","), "\n", sep = "")
}
lr <- anova(reduced, full, test = "Chisq")
cat("lr,", format(lr$Deviance[2], digits = 15), ",", lr$Df[2], ",",
    format(lr[["Pr(>Chi)"]][2], digits = 15), "\n", sep = "")
