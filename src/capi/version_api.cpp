// qv_version, qv_version_number.
#include "quiver/quiver.h"

extern "C" {

QV_API const char* qv_version(void) { return QV_VERSION_STRING; }

QV_API unsigned qv_version_number(void) { return QV_VERSION_NUMBER; }

}  // extern "C"
