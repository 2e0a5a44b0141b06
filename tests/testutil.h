/*
 * testutil: what every cmocka test file includes, in the order cmocka
 * needs (its header wants stdarg, stddef and setjmp first).
 */
#ifndef MS_TESTUTIL_H
#define MS_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#endif /* MS_TESTUTIL_H */
