// libpq, PostgreSQL's C client library (Debian's libpq-dev). Its calls are not variadic,
// so Swift calls them directly; the store's PostgresConnection owns the handles.
#ifndef RECUR_CPOSTGRES_SHIM_H
#define RECUR_CPOSTGRES_SHIM_H

#include <libpq-fe.h>

#endif
