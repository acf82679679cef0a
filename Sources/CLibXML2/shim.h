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
#include <libxml/encoding.h>
#include <libxml/parserInternals.h>
#include <string.h>

/// `xmlFree` is a global function pointer, which Swift 6 treats as shared mutable state.
static inline void CLibXML2_free(void *pointer) { xmlFree(pointer); }

/// Parses HTML that is already UTF-8 through `handler`'s callbacks alone: libxml2 builds no
/// tree of its own. Set up as `htmlReadMemory(…, "UTF-8", options)` sets up its parse, so
/// the events are the ones its tree is built from, and a `<meta charset>` in the page
/// cannot switch the decoding. Returns 0, or -1 when libxml2 could not start.
static inline int CLibXML2_parseHTMLEvents(
    const char *buffer, int size, int options, const htmlSAXHandler *handler, void *userData) {
  htmlParserCtxtPtr context = htmlCreateMemoryParserCtxt(buffer, size);
  if (context == NULL) return -1;
  if (context->sax == NULL || context->input == NULL) {
    htmlFreeParserCtxt(context);
    return -1;
  }
  memcpy(context->sax, handler, sizeof(htmlSAXHandler));
  context->userData = userData;
  htmlCtxtUseOptions(context, options);
  xmlCharEncodingHandlerPtr utf8 = xmlFindCharEncodingHandler("UTF-8");
  if (utf8 != NULL) {
    xmlSwitchToEncoding(context, utf8);
    if (context->input->encoding != NULL) xmlFree((xmlChar *)context->input->encoding);
    context->input->encoding = xmlStrdup((const xmlChar *)"UTF-8");
  }
  htmlParseDocument(context);
  htmlFreeParserCtxt(context);
  return 0;
}
#endif
