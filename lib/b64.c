/* SPDX-License-Identifier: MIT */
#include <string.h>

#include <openssl/evp.h>

#include "b64.h"
#include "banned.h"

/* Append the encoding of p[0..n); -1 if it would pass the buffer's ceiling. */
int
b64_encode(struct buf *out, const void *p, size_t n)
{
	size_t need;

	if (n > ((size_t)1 << 28))
		return -1;
	need = 4 * ((n + 2) / 3);
	if (buf_grow(out, need) < 0)
		return -1;
	EVP_EncodeBlock((unsigned char *)out->s + out->len, p, (int)n);
	out->len += need;
	out->s[out->len] = '\0';
	return 0;
}

static int
b64_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* Append the decoding of s[0..n); -1 for anything but canonical base64. */
int
b64_decode(struct buf *out, const char *s, size_t n)
{
	size_t i, pad = 0, need;
	int r;

	if (n % 4 != 0 || n > ((size_t)1 << 28))
		return -1;
	if (n > 0 && s[n - 1] == '=')
		pad = n > 1 && s[n - 2] == '=' ? 2 : 1;
	for (i = 0; i < n - pad; i++)
		if (!b64_char((unsigned char)s[i]))
			return -1;
	need = n / 4 * 3;
	if (buf_grow(out, need) < 0)
		return -1;
	r = EVP_DecodeBlock((unsigned char *)out->s + out->len,
	    (const unsigned char *)s, (int)n);
	if (r < 0 || (size_t)r != need)
		return -1;
	out->len += need - pad;
	out->s[out->len] = '\0';
	return 0;
}
