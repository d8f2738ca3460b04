/* A "wide" helper layer: RWX_U (2, 4 or 8) vectors of a narrow layer driven in
 * lock-step, so that kernels/isa_algo.inc instantiated on it issues RWX_U
 * independent copies of every operation back to back.  The building blocks
 * are long dependency chains (Philox's 10 rounds, the log's division, the
 * polynomials, the square root); one vector at a time leaves the
 * out-of-order core waiting on latencies, several in flight keep its pipes
 * busy.  Lane by lane the operations are the narrow layer's, so the wide
 * instance gives the same bits (vector j of a wide value holds lanes
 * j W .. j W + W - 1, W the narrow width).
 *
 * A template, included by kernels/isa_avx2.h and isa_avx512.h after their own
 * layer; the includer defines:
 *   RWX_U                   2, 4 or 8
 *   RWN_D, RWN_U            the narrow vector types (doubles, 64-bit lanes)
 *   RWN_W                   the narrow width
 *   RWN_(op), RWN_SRL, RWN_SLL   the narrow layer
 *   RWX_D, RWX_U_T          names for the wide types (defined here)
 *   RWX_(op)                names for the wide layer (defined here)
 * and undefines them afterwards.  Shifts are functions RWX_(srl), RWX_(sll)
 * taking a constant count (inlined, so the immediate forms are emitted).
 */

typedef struct {
    RWN_D v[RWX_U];
} RWX_D;
typedef struct {
    RWN_U v[RWX_U];
} RWX_U_T;

/* REP(E) expands E(0) .. E(RWX_U - 1) with literal indices: no loop that
 * must unroll before the structs can be split into registers. */
#if RWX_U == 2
#define RWX_REP(E) E(0) E(1)
#elif RWX_U == 4
#define RWX_REP(E) E(0) E(1) E(2) E(3)
#elif RWX_U == 8
#define RWX_REP(E) E(0) E(1) E(2) E(3) E(4) E(5) E(6) E(7)
#else
#error "RWX_U must be 2, 4 or 8"
#endif

static REFIT_KINLINE RWX_D RWX_(bcastd)(double a)
{
    RWX_D r;
    RWN_D x = RWN_(bcastd)(a);
#define RWX_E(j) r.v[j] = x;
    RWX_REP(RWX_E)
#undef RWX_E
    return r;
}
static REFIT_KINLINE RWX_U_T RWX_(bcast64)(uint64_t a)
{
    RWX_U_T r;
    RWN_U x = RWN_(bcast64)(a);
#define RWX_E(j) r.v[j] = x;
    RWX_REP(RWX_E)
#undef RWX_E
    return r;
}
static REFIT_KINLINE RWX_U_T RWX_(iota)(void)
{
    RWX_U_T r;
    RWN_U x = RWN_(iota)();
#define RWX_E(j) r.v[j] = RWN_(add64)(x, RWN_(bcast64)((uint64_t)(j) * RWN_W));
    RWX_REP(RWX_E)
#undef RWX_E
    return r;
}

static REFIT_KINLINE RWX_D RWX_(add)(RWX_D a, RWX_D b)
{
    RWX_D r;
#define RWX_E(j) r.v[j] = RWN_(add)(a.v[j], b.v[j]);
    RWX_REP(RWX_E)
#undef RWX_E
    return r;
}
static REFIT_KINLINE RWX_D RWX_(sub)(RWX_D a, RWX_D b)
{
    RWX_D r;
#define RWX_E(j) r.v[j] = RWN_(sub)(a.v[j], b.v[j]);
    RWX_REP(RWX_E)
#undef RWX_E
    return r;
}
static REFIT_KINLINE RWX_D RWX_(mul)(RWX_D a, RWX_D b)
{
    RWX_D r;
#define RWX_E(j) r.v[j] = RWN_(mul)(a.v[j], b.v[j]);
    RWX_REP(RWX_E)
#undef RWX_E
    return r;
}
static REFIT_KINLINE RWX_D RWX_(div)(RWX_D a, RWX_D b)
{
    RWX_D r;
#define RWX_E(j) r.v[j] = RWN_(div)(a.v[j], b.v[j]);
    RWX_REP(RWX_E)
#undef RWX_E
    return r;
}
static REFIT_KINLINE RWX_D RWX_(sqrt)(RWX_D a)
{
    RWX_D r;
#define RWX_E(j) r.v[j] = RWN_(sqrt)(a.v[j]);
    RWX_REP(RWX_E)
#undef RWX_E
    return r;
}
static REFIT_KINLINE RWX_D RWX_(fma)(RWX_D a, RWX_D b, RWX_D c)
{
    RWX_D r;
#define RWX_E(j) r.v[j] = RWN_(fma)(a.v[j], b.v[j], c.v[j]);
    RWX_REP(RWX_E)
#undef RWX_E
    return r;
}
static REFIT_KINLINE RWX_U_T RWX_(add64)(RWX_U_T a, RWX_U_T b)
{
    RWX_U_T r;
#define RWX_E(j) r.v[j] = RWN_(add64)(a.v[j], b.v[j]);
    RWX_REP(RWX_E)
#undef RWX_E
    return r;
}
static REFIT_KINLINE RWX_U_T RWX_(and)(RWX_U_T a, RWX_U_T b)
{
    RWX_U_T r;
#define RWX_E(j) r.v[j] = RWN_(and)(a.v[j], b.v[j]);
    RWX_REP(RWX_E)
#undef RWX_E
    return r;
}
static REFIT_KINLINE RWX_U_T RWX_(or)(RWX_U_T a, RWX_U_T b)
{
    RWX_U_T r;
#define RWX_E(j) r.v[j] = RWN_(or)(a.v[j], b.v[j]);
    RWX_REP(RWX_E)
#undef RWX_E
    return r;
}
static REFIT_KINLINE RWX_U_T RWX_(xor)(RWX_U_T a, RWX_U_T b)
{
    RWX_U_T r;
#define RWX_E(j) r.v[j] = RWN_(xor)(a.v[j], b.v[j]);
    RWX_REP(RWX_E)
#undef RWX_E
    return r;
}
static REFIT_KINLINE RWX_U_T RWX_(mul32)(RWX_U_T a, RWX_U_T b)
{
    RWX_U_T r;
#define RWX_E(j) r.v[j] = RWN_(mul32)(a.v[j], b.v[j]);
    RWX_REP(RWX_E)
#undef RWX_E
    return r;
}
static REFIT_KINLINE RWX_U_T RWX_(pack64)(RWX_U_T lo, RWX_U_T hi)
{
    RWX_U_T r;
#define RWX_E(j) r.v[j] = RWN_(pack64)(lo.v[j], hi.v[j]);
    RWX_REP(RWX_E)
#undef RWX_E
    return r;
}
static REFIT_KINLINE RWX_U_T RWX_(d2u)(RWX_D a)
{
    RWX_U_T r;
#define RWX_E(j) r.v[j] = RWN_(d2u)(a.v[j]);
    RWX_REP(RWX_E)
#undef RWX_E
    return r;
}
static REFIT_KINLINE RWX_D RWX_(u2d)(RWX_U_T a)
{
    RWX_D r;
#define RWX_E(j) r.v[j] = RWN_(u2d)(a.v[j]);
    RWX_REP(RWX_E)
#undef RWX_E
    return r;
}
static REFIT_KINLINE RWX_D RWX_(sel_lsb)(RWX_U_T q, RWX_D a, RWX_D b)
{
    RWX_D r;
#define RWX_E(j) r.v[j] = RWN_(sel_lsb)(q.v[j], a.v[j], b.v[j]);
    RWX_REP(RWX_E)
#undef RWX_E
    return r;
}
static REFIT_KINLINE RWX_U_T RWX_(srl)(RWX_U_T a, const unsigned n)
{
    RWX_U_T r;
#define RWX_E(j) r.v[j] = RWN_SRL(a.v[j], n);
    RWX_REP(RWX_E)
#undef RWX_E
    return r;
}
static REFIT_KINLINE RWX_U_T RWX_(sll)(RWX_U_T a, const unsigned n)
{
    RWX_U_T r;
#define RWX_E(j) r.v[j] = RWN_SLL(a.v[j], n);
    RWX_REP(RWX_E)
#undef RWX_E
    return r;
}

#undef RWX_REP
