/* SVM exit codes into the public exit kinds dom0 reads: each code where the ABI says, and
 * nothing lost (every code counts somewhere, unknown ones as OTHER). */
#include "public/vireo.h"
#include "arch/svm.h"
#include "arch/svm_exit_kind.h"
#include "check.h"

static const struct {
    uint32_t code;
    uint64_t info1;
    unsigned kind;
} cases[] = {
    {SVM_EXIT_INTR, 0, VIREO_EXIT_INTR},
    {SVM_EXIT_NMI, 0, VIREO_EXIT_NMI},
    {SVM_EXIT_INIT, 0, VIREO_EXIT_NMI},
    {SVM_EXIT_VINTR, 0, VIREO_EXIT_VINTR},
    {SVM_EXIT_HLT, 0, VIREO_EXIT_HLT},
    {SVM_EXIT_IOIO, 0x800010, VIREO_EXIT_IO},
    {SVM_EXIT_MSR, 0, VIREO_EXIT_MSR_READ},
    {SVM_EXIT_MSR, 1, VIREO_EXIT_MSR_WRITE},
    {SVM_EXIT_CPUID, 0, VIREO_EXIT_CPUID},
    {SVM_EXIT_VMMCALL, 0, VIREO_EXIT_HYPERCALL},
    {SVM_EXIT_NPF, 6, VIREO_EXIT_NPF},
    {SVM_EXIT_WRITE_CR0, 0, VIREO_EXIT_CR_WRITE},
    {SVM_EXIT_WRITE_CR4, 0, VIREO_EXIT_CR_WRITE},
    {SVM_EXIT_EXCP_BASE + 1, 0, VIREO_EXIT_EXCEPTION},
    {SVM_EXIT_EXCP_BASE + 31, 0, VIREO_EXIT_EXCEPTION},
    {SVM_EXIT_SHUTDOWN, 0, VIREO_EXIT_SHUTDOWN},
    {SVM_EXIT_XSETBV, 0, VIREO_EXIT_OTHER},
    {SVM_EXIT_VMRUN, 0, VIREO_EXIT_OTHER},
    {SVM_EXIT_INVALID, 0, VIREO_EXIT_OTHER},
};

int main(void)
{
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (svm_exit_kind(cases[i].code, cases[i].info1) != cases[i].kind) {
            printf("exit code 0x%x: kind %u\n", cases[i].code,
                   svm_exit_kind(cases[i].code, cases[i].info1));
            CHECK(!"exit code in the kind the ABI names");
        }
    /* Every code lands in a counter the hypercall reports. */
    for (uint32_t code = 0; code < 0x1000; code++)
        CHECK(svm_exit_kind(code, code & 1) < VIREO_EXIT_KINDS);
    CHECK(VIREO_EXIT_KINDS <= VIREO_EXIT_KINDS_MAX);
    return check_done("svm_exit_kind");
}
