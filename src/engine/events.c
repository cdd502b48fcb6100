/* SPDX-License-Identifier: Apache-2.0 */
/* engine events: see events.h (being written). */
#include "engine/eng_int.h"
