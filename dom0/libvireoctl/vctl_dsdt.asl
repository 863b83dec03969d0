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
    /*
     * The device model's virtio-mmio devices (docs/device-model.md): eight static
     * devices, one per slot of the DM window, each present only if its bit is set in
     * DMSL. The builder (vctl_acpi.c) patches DMSL's DWord with the domain's dm_slots and
     * fixes the checksum, so the AML stays this compiled, tested text and no AML is
     * generated at run time. Slot n: MMIO VIREO_PLAT_DM_BASE + n * VIREO_PLAT_DM_SLOT_SIZE
     * (0x200 bytes of registers), GSI VIREO_PLAT_DM_GSI_FIRST + n, level, active high.
     * The placeholder has no bit of 0..7 set: an unpatched table shows no device.
     */
    Name (DMSL, 0xFFFFFF00)

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

        /* _STA of device model slot Arg0: present, enabled, shown, functioning, or absent. */
        Method (DMST, 1, NotSerialized)
        {
            If (And (\DMSL, ShiftLeft (One, Arg0)))
            {
                Return (0x0F)
            }
            Return (Zero)
        }

        Device (VD00)
        {
            Name (_HID, "LNRO0005")
            Name (_UID, 0)
            Method (_STA, 0, NotSerialized)
            {
                Return (DMST (0))
            }
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadWrite, 0xD0000000, 0x00000200)
                Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { 16 }
            })
        }

        Device (VD01)
        {
            Name (_HID, "LNRO0005")
            Name (_UID, 1)
            Method (_STA, 0, NotSerialized)
            {
                Return (DMST (1))
            }
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadWrite, 0xD0001000, 0x00000200)
                Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { 17 }
            })
        }

        Device (VD02)
        {
            Name (_HID, "LNRO0005")
            Name (_UID, 2)
            Method (_STA, 0, NotSerialized)
            {
                Return (DMST (2))
            }
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadWrite, 0xD0002000, 0x00000200)
                Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { 18 }
            })
        }

        Device (VD03)
        {
            Name (_HID, "LNRO0005")
            Name (_UID, 3)
            Method (_STA, 0, NotSerialized)
            {
                Return (DMST (3))
            }
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadWrite, 0xD0003000, 0x00000200)
                Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { 19 }
            })
        }

        Device (VD04)
        {
            Name (_HID, "LNRO0005")
            Name (_UID, 4)
            Method (_STA, 0, NotSerialized)
            {
                Return (DMST (4))
            }
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadWrite, 0xD0004000, 0x00000200)
                Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { 20 }
            })
        }

        Device (VD05)
        {
            Name (_HID, "LNRO0005")
            Name (_UID, 5)
            Method (_STA, 0, NotSerialized)
            {
                Return (DMST (5))
            }
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadWrite, 0xD0005000, 0x00000200)
                Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { 21 }
            })
        }

        Device (VD06)
        {
            Name (_HID, "LNRO0005")
            Name (_UID, 6)
            Method (_STA, 0, NotSerialized)
            {
                Return (DMST (6))
            }
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadWrite, 0xD0006000, 0x00000200)
                Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { 22 }
            })
        }

        Device (VD07)
        {
            Name (_HID, "LNRO0005")
            Name (_UID, 7)
            Method (_STA, 0, NotSerialized)
            {
                Return (DMST (7))
            }
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadWrite, 0xD0007000, 0x00000200)
                Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { 23 }
            })
        }
    }

    /* S5 (soft off): SLP_TYP 5 for PM1a (and PM1b, which does not exist). */
    Name (\_S5, Package (0x04) { 0x05, 0x05, Zero, Zero })
}
