/* SPDX-License-Identifier: Apache-2.0 */
/* common: defaults a process gets when neither its image nor its user says
 * otherwise, shared by the runtime, the engine, the builder and the
 * registry client. */
#ifndef BRIG_COMMON_DEFAULTS_H
#define BRIG_COMMON_DEFAULTS_H

/* The PATH of a process whose image sets none: Docker's and the OCI tools'. */
#define BRIG_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

#endif
