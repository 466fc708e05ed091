/* SPDX-License-Identifier: MIT */
/*
 * Digit values shared by the decoders: hexadecimal (quoted-printable,
 * RFC 2231, URLs) and base64 (RFC 2045, and modified base64 of RFC 3501
 * with ',' for '/').
 */
#ifndef IMAPCTL_ASCII_H
#define IMAPCTL_ASCII_H

/* The value of a hexadecimal digit, either case, or -1. */
static inline int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The value of a base64 digit whose 64th digit is sixty_three, or -1. */
static inline int
base64_value(unsigned char c, unsigned char sixty_three)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == sixty_three)
		return 63;
	return -1;
}

#endif
