/*
 * A PKCS#11 module for tests that forwards every call to a real module (SoftHSM2) and,
 * when its state file says so, answers as real hardware does in the cases SoftHSM cannot
 * show: an empty card reader, a token pulled out mid-run, a PIN the token has locked.
 *
 *   P11SHIM_TARGET  path of the real module
 *   P11SHIM_STATE   path of a file read on every call; the words in it switch behaviours:
 *     empty_slot    one more slot, a reader without a token (CKF_TOKEN_PRESENT clear)
 *     removed       the token is out: CKR_DEVICE_REMOVED from operations, no token present
 *     pin_locked    C_Login answers CKR_PIN_LOCKED
 *
 * Built by the tests with the system C compiler; never shipped.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned long CK_ULONG;
typedef CK_ULONG CK_RV;
typedef CK_ULONG CK_SLOT_ID;
typedef CK_ULONG CK_FLAGS;
typedef unsigned char CK_BBOOL;
typedef struct { unsigned char major, minor; } CK_VERSION;
typedef struct {
    unsigned char slotDescription[64];
    unsigned char manufacturerID[32];
    CK_FLAGS flags;
    CK_VERSION hardwareVersion, firmwareVersion;
} CK_SLOT_INFO;
typedef struct { CK_VERSION version; void *fn[68]; } FUNCTION_LIST;
typedef CK_RV (*GetFunctionList)(FUNCTION_LIST **);

#define CKR_OK 0x0UL
#define CKR_DEVICE_REMOVED 0x32UL
#define CKR_PIN_LOCKED 0xA4UL
#define CKR_TOKEN_NOT_PRESENT 0xE0UL
#define CKR_BUFFER_TOO_SMALL 0x150UL
#define CKR_GENERAL_ERROR 0x5UL
#define CKF_TOKEN_PRESENT 0x1UL
#define CKF_REMOVABLE_DEVICE 0x2UL
#define CKF_HW_SLOT 0x4UL
#define EMPTY_SLOT 0xE0E0UL

enum { I_GETSLOTLIST = 4, I_GETSLOTINFO = 5, I_GETTOKENINFO = 6, I_OPENSESSION = 12,
       I_LOGIN = 18, I_GETATTRIBUTEVALUE = 24, I_FINDOBJECTSINIT = 26, I_DECRYPTINIT = 33,
       I_DECRYPT = 34, I_DERIVEKEY = 62 };

static FUNCTION_LIST *real;
static FUNCTION_LIST mine;

static int state(const char *word) {
    const char *path = getenv("P11SHIM_STATE");
    char buf[512] = {0};
    FILE *f;
    if (!path || !(f = fopen(path, "r"))) return 0;
    fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    return strstr(buf, word) != NULL;
}

typedef CK_RV (*F_GetSlotList)(CK_BBOOL, CK_SLOT_ID *, CK_ULONG *);
typedef CK_RV (*F_GetSlotInfo)(CK_SLOT_ID, CK_SLOT_INFO *);
typedef CK_RV (*F_GetTokenInfo)(CK_SLOT_ID, void *);
typedef CK_RV (*F_Login)(CK_ULONG, CK_ULONG, unsigned char *, CK_ULONG);
typedef CK_RV (*F_Five)(CK_ULONG, void *, void *, void *, void *);
typedef CK_RV (*F_Six)(CK_ULONG, void *, void *, void *, void *, void *);

static CK_RV GetSlotList(CK_BBOOL present, CK_SLOT_ID *list, CK_ULONG *count) {
    int extra = state("empty_slot") && !present;
    CK_ULONG room = count ? *count : 0;
    CK_RV rv;
    if (present && state("removed")) { *count = 0; return CKR_OK; }
    rv = ((F_GetSlotList)real->fn[I_GETSLOTLIST])(present, list, count);
    if (rv != CKR_OK && rv != CKR_BUFFER_TOO_SMALL) return rv;
    if (!extra) return rv;
    if (list && rv == CKR_OK) {
        if (*count + 1 > room) { *count += 1; return CKR_BUFFER_TOO_SMALL; }
        list[*count] = EMPTY_SLOT;
    }
    *count += 1;
    return rv;
}

static CK_RV GetSlotInfo(CK_SLOT_ID slot, CK_SLOT_INFO *info) {
    CK_RV rv;
    if (slot == EMPTY_SLOT) {
        memset(info, ' ', sizeof info->slotDescription + sizeof info->manufacturerID);
        memcpy(info->slotDescription, "Shim card reader", 16);
        memcpy(info->manufacturerID, "Shim", 4);
        info->flags = CKF_REMOVABLE_DEVICE | CKF_HW_SLOT;
        info->hardwareVersion.major = info->firmwareVersion.major = 1;
        info->hardwareVersion.minor = info->firmwareVersion.minor = 0;
        return CKR_OK;
    }
    rv = ((F_GetSlotInfo)real->fn[I_GETSLOTINFO])(slot, info);
    if (rv == CKR_OK && state("removed")) info->flags &= ~CKF_TOKEN_PRESENT;
    return rv;
}

static CK_RV GetTokenInfo(CK_SLOT_ID slot, void *info) {
    if (slot == EMPTY_SLOT || state("removed")) return CKR_TOKEN_NOT_PRESENT;
    return ((F_GetTokenInfo)real->fn[I_GETTOKENINFO])(slot, info);
}

static CK_RV Login(CK_ULONG session, CK_ULONG user, unsigned char *pin, CK_ULONG len) {
    if (state("removed")) return CKR_DEVICE_REMOVED;
    if (state("pin_locked")) return CKR_PIN_LOCKED;
    return ((F_Login)real->fn[I_LOGIN])(session, user, pin, len);
}

#define GUARDED5(name, index) \
    static CK_RV name(CK_ULONG s, void *a, void *b, void *c, void *d) { \
        if (state("removed")) return CKR_DEVICE_REMOVED; \
        return ((F_Five)real->fn[index])(s, a, b, c, d); }

GUARDED5(OpenSession, I_OPENSESSION)
GUARDED5(GetAttributeValue, I_GETATTRIBUTEVALUE)
GUARDED5(FindObjectsInit, I_FINDOBJECTSINIT)
GUARDED5(DecryptInit, I_DECRYPTINIT)
GUARDED5(Decrypt, I_DECRYPT)

static CK_RV DeriveKey(CK_ULONG s, void *a, void *b, void *c, void *d, void *e) {
    if (state("removed")) return CKR_DEVICE_REMOVED;
    return ((F_Six)real->fn[I_DERIVEKEY])(s, a, b, c, d, e);
}

CK_RV C_GetFunctionList(FUNCTION_LIST **out) {
    if (!real) {
        const char *target = getenv("P11SHIM_TARGET");
        void *lib = target ? dlopen(target, RTLD_NOW | RTLD_LOCAL) : NULL;
        GetFunctionList get = lib ? (GetFunctionList)dlsym(lib, "C_GetFunctionList") : NULL;
        if (!get || get(&real) != CKR_OK) return CKR_GENERAL_ERROR;
        mine = *real;
        mine.fn[3] = (void *)C_GetFunctionList;
        mine.fn[I_GETSLOTLIST] = (void *)GetSlotList;
        mine.fn[I_GETSLOTINFO] = (void *)GetSlotInfo;
        mine.fn[I_GETTOKENINFO] = (void *)GetTokenInfo;
        mine.fn[I_OPENSESSION] = (void *)OpenSession;
        mine.fn[I_LOGIN] = (void *)Login;
        mine.fn[I_GETATTRIBUTEVALUE] = (void *)GetAttributeValue;
        mine.fn[I_FINDOBJECTSINIT] = (void *)FindObjectsInit;
        mine.fn[I_DECRYPTINIT] = (void *)DecryptInit;
        mine.fn[I_DECRYPT] = (void *)Decrypt;
        mine.fn[I_DERIVEKEY] = (void *)DeriveKey;
    }
    *out = &mine;
    return CKR_OK;
}
