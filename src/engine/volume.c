/* SPDX-License-Identifier: Apache-2.0 */
/* named volumes: see volume.h (being written). */
#include "engine/eng_int.h"
