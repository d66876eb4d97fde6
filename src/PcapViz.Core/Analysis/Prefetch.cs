using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace PcapViz.Analysis;

/// <summary>
/// A cache prefetch hint: the only unsafe code of the assembly. A prefetch reads nothing the program sees and never
/// faults (an address the collector has since moved is at worst a wasted hint), so it cannot change a result; on
/// processors without the instruction it does nothing.
/// </summary>
internal static class Prefetch
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Line<T>(ref T location)
    {
        if (Sse.IsSupported) Sse.Prefetch0(Unsafe.AsPointer(ref location));
    }
}
