# Reference values for compare_reactions (tests/formats/test_reactions.py).
# R 4.x, MASS (Debian r-base-core's recommended packages). Run from this folder:
#   Rscript polr_reference.R > polr_output.txt
suppressPackageStartupMessages(library(MASS))
cat("# R", R.version$major, ".", R.version$minor, " MASS ", format(packageVersion("MASS")), "\n", sep = "")
d <- read.csv("reactions.csv", stringsAsFactors = FALSE)
d$async <- as.numeric(d$format == "async")
d$groupb <- as.numeric(d$group == "b")
cat("item,term,estimate,se\n")
for (it in sort(unique(d$item))) {
  s <- d[d$item == it, ]
  s$y <- factor(s$response, levels = 1:5, ordered = TRUE)
  m <- polr(y ~ async + groupb, data = s, Hess = TRUE, method = "logistic")
  co <- coef(summary(m))
  for (term in c("async", "groupb")) {
    cat(it, ",", term, ",", format(co[term, "Value"], digits = 12), ",",
        format(co[term, "Std. Error"], digits = 12), "\n", sep = "")
  }
}
