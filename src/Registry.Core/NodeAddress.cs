using System.Globalization;

namespace Registry.Core;

/// <summary>The text form of a node's address on a network (wire-protocol §2.3).</summary>
public static class NodeAddress
{
    /// <summary>Formats <c>&lt;net&gt;:&lt;NNNN&gt;.&lt;HHHH&gt;.&lt;LLLL&gt;</c> with uppercase hex, e.g. <c>0:0000.0000.0005</c>.</summary>
    public static string Format(ushort networkId, uint nodeId) =>
        string.Create(CultureInfo.InvariantCulture, $"{networkId}:{networkId:X4}.{nodeId >> 16:X4}.{nodeId & 0xFFFF:X4}");
}
