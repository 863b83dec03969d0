/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 * The DSDT of every Linux domU (docs/guest-platform.md): the devices Linux cannot find
 * by itself. Compiled at build time by iasl into vctl_dsdt.hex, which vctl_acpi.c embeds.
 * The numbers are VIREO_PLAT_* of hv/include/public/vireo.h; the unit test
 * dom0_acpi_tables_pass_acpica evaluates this AML with acpiexec and compares them.
 * The power button is the FADT's fixed-feature button, so it needs no device here.
 */
DefinitionBlock ("", "DSDT", 2, "VIREO", "VIREOPLT", 1)
{
    Scope (\_SB)
    {
        /* COM1: a 16550A at ports 0x3f8-0x3ff on ISA IRQ 4 (edge, active high). */
        Device (COM1)
        {
            Name (_HID, EisaId ("PNP0501"))
            Name (_UID, One)
            Name (_STA, 0x0F)
            Name (_CRS, ResourceTemplate ()
            {
                IO (Decode16, 0x03F8, 0x03F8, 0x01, 0x08)
                IRQNoFlags () {4}
            })
        }
    }

    /* S5 (soft off): SLP_TYP 5 for PM1a (and PM1b, which does not exist). */
    Name (\_S5, Package (0x04) { 0x05, 0x05, Zero, Zero })
}
