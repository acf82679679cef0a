// libxml2 for Recur. Debian's headers pull in ICU, whose types clash with the ICU
// Foundation carries; xmlversion.h must come first so the ICU switch can be turned off
// before any other libxml2 header sees it.
#ifndef RECUR_CLIBXML2_SHIM_H
#define RECUR_CLIBXML2_SHIM_H

#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlmemory.h>

/// `xmlFree` is a global function pointer, which Swift 6 treats as shared mutable state.
static inline void CLibXML2_free(void *pointer) { xmlFree(pointer); }
#endif
