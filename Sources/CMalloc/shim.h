/* glibc heap control, for an idle agent that should hand freed memory back. */
#include <malloc.h>
