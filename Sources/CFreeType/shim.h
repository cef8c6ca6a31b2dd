// FreeType 2 for the text of exported figures. FT_LOAD_* flags are macros Swift does not import.
#include <ft2build.h>
#include FT_FREETYPE_H

static inline FT_Int32 vc_ft_load_render(void) { return FT_LOAD_RENDER | FT_LOAD_TARGET_NORMAL; }
