using System.Runtime.InteropServices;
using System.Text.Json.Serialization;

namespace Registry.Persistence.Snapshots.Model;

/// <summary>A Go <c>[2]int64</c> of Unix milliseconds, written as a two-element array.</summary>
/// <param name="Start">First element, start of the interval.</param>
/// <param name="End">Second element, end of the interval.</param>
[JsonConverter(typeof(MillisIntervalConverter))]
[StructLayout(LayoutKind.Auto)]
public readonly record struct MillisInterval(long Start, long End);
