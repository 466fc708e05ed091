/* SPDX-License-Identifier: MIT */
/*
 * Functions this code does not call: each has a bounded or checked
 * replacement (snprintf or a struct buf for sprintf, strcpy and strcat;
 * strtol or strtoul with a range for atoi; memchr-based scanning for
 * strtok; the _r forms for the time functions with static results). Every
 * source file of lib/ and cmd/ includes this last, after the system
 * headers, so that a call does not compile: the name turns into one that
 * says why.
 */
#ifndef IMAPCTL_BANNED_H
#define IMAPCTL_BANNED_H

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) BANNED(strncat)

#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)

#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef strtok_r
#define strtok_r(x, y, z) BANNED(strtok_r)

#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)
#undef atoll
#define atoll(x) BANNED(atoll)

#undef gmtime
#define gmtime(t) BANNED(gmtime)
#undef localtime
#define localtime(t) BANNED(localtime)
#undef ctime
#define ctime(t) BANNED(ctime)
#undef asctime
#define asctime(t) BANNED(asctime)

#endif
