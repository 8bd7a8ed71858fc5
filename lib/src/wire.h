/*
 * wire.h
 *    Internal: big-endian integer access (network byte order).
 */
#ifndef PGWIRE_WIRE_H
#define PGWIRE_WIRE_H

#include <stdint.h>
#include <stdio.h>

static inline uint16_t
pgwire_get_u16(const uint8_t *p)
{
	return (uint16_t) ((p[0] << 8) | p[1]);
}

static inline uint32_t
pgwire_get_u32(const uint8_t *p)
{
	return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) |
		((uint32_t) p[2] << 8) | (uint32_t) p[3];
}

static inline uint64_t
pgwire_get_u64(const uint8_t *p)
{
	return ((uint64_t) pgwire_get_u32(p) << 32) | pgwire_get_u32(p + 4);
}

static inline void
pgwire_set_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t) (v >> 8);
	p[1] = (uint8_t) v;
}

static inline void
pgwire_set_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t) (v >> 24);
	p[1] = (uint8_t) (v >> 16);
	p[2] = (uint8_t) (v >> 8);
	p[3] = (uint8_t) v;
}

static inline void
pgwire_set_u64(uint8_t *p, uint64_t v)
{
	pgwire_set_u32(p, (uint32_t) (v >> 32));
	pgwire_set_u32(p + 4, (uint32_t) v);
}

#endif							/* PGWIRE_WIRE_H */
