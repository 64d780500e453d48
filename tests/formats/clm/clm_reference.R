# Reference behaviour of R's ordinal::clm (and MASS::polr) for compare_reactions
# (tests/formats/test_reactions.py). R 4.x with ordinal and MASS (Debian r-cran-ordinal,
# r-cran-mass). Run from this folder:
#   Rscript clm_reference.R > clm_output.txt
# Each fit is clm(y ~ async [+ groupb], link = "logit") with y the ordered factor of the
# observed responses (as compare_reactions: unobserved levels dropped). Per fit and term:
# the estimate, its standard error (NA when clm cannot invert the Hessian), clm's
# convergence code, its warnings joined by " | ", and the condition number of the Hessian.
suppressPackageStartupMessages({library(ordinal); library(MASS)})
cat("# R", R.version$major, ".", R.version$minor, " ordinal ", format(packageVersion("ordinal")),
    " MASS ", format(packageVersion("MASS")), "\n", sep = "")
fit_clm <- function(formula, s) {
  s$y <- factor(s$response, levels = sort(unique(s$response)), ordered = TRUE)
  warned <- character(0)
  m <- withCallingHandlers(
    clm(formula, data = s, link = "logit"),
    warning = function(w) {
      warned <<- c(warned, gsub("[\n,]", " ", conditionMessage(w)))
      invokeRestart("muffleWarning")
    })
  co <- coef(summary(m))
  terms <- attr(terms(formula), "term.labels")
  se <- if ("Std. Error" %in% colnames(co)) co[terms, "Std. Error"] else rep(NA, length(terms))
  data.frame(term = terms, estimate = coef(m)[terms], se = se,
             code = m$convergence$code, warnings = paste(warned, collapse = " | "),
             cond_h = m$cond.H, row.names = NULL)
}
show <- function(label, out) {
  out <- cbind(fit = label, out)
  out$estimate <- format(out$estimate, digits = 12)
  out$se <- format(out$se, digits = 12)
  out$cond_h <- format(out$cond_h, digits = 4)
  write.table(out, sep = ",", row.names = FALSE, col.names = FALSE, quote = FALSE)
}
cat("fit,term,estimate,se,code,warnings,cond_h\n")
# 1. issue 22: async respondents all answer 5, live ones 1-3
d <- read.csv("issue22.csv")
d$async <- as.numeric(d$format == "async")
show("issue22", fit_clm(y ~ async, d))
# 2. the control: the two items of ../polr/reactions.csv (not separated)
d <- read.csv("../polr/reactions.csv")
d$async <- as.numeric(d$format == "async")
d$groupb <- as.numeric(d$group == "b")
for (it in sort(unique(d$item))) show(paste0("control_", it), fit_clm(y ~ async + groupb, d[d$item == it, ]))
# 3. 150 small random data sets
d <- read.csv("random.csv")
d$async <- as.numeric(d$format == "async")
d$groupb <- as.numeric(d$group == "b")
for (k in sort(unique(d$dataset))) show(paste0("random_", k), fit_clm(y ~ async + groupb, d[d$dataset == k, ]))
# MASS::polr on issue 22, for comparison (Hess = TRUE; it stops wherever BFGS stops)
d <- read.csv("issue22.csv")
d$async <- as.numeric(d$format == "async")
d$y <- factor(d$response, levels = sort(unique(d$response)), ordered = TRUE)
p <- polr(y ~ async, data = d, Hess = TRUE)
cat("# polr issue22 async estimate=", format(coef(p)[["async"]], digits = 12),
    " se=", format(sqrt(diag(vcov(p)))[["async"]], digits = 12), "\n", sep = "")
