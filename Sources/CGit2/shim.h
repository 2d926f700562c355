#ifndef FLEET_CGIT2_SHIM_H
#define FLEET_CGIT2_SHIM_H
#include <git2.h>

/* git_libgit2_opts is variadic, which Swift cannot call: one inline wrapper per option used. */

/* Turn the "repository owned by another user" check on (1) or off (0). */
static inline int fleet_git_set_owner_validation(int enabled) {
    return git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, enabled);
}

/* Point HTTPS certificate verification at a CA bundle file and/or directory (either may be NULL). */
static inline int fleet_git_set_ssl_cert_locations(const char *file, const char *path) {
    return git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, file, path);
}

/* Set the User-Agent libgit2 sends over HTTP(S). */
static inline int fleet_git_set_user_agent(const char *agent) {
    return git_libgit2_opts(GIT_OPT_SET_USER_AGENT, agent);
}
#endif
