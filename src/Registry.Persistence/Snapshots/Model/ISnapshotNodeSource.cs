namespace Registry.Persistence.Snapshots.Model;

/// <summary>The nodes of a snapshot, handed to the encoder one at a time instead of as a map built in advance.</summary>
/// <remarks>
/// Why: a registry of a few hundred thousand nodes saved every few seconds built a <see cref="SnapshotNode"/>, its
/// key text and its lists per node per save, all alive until the file was written, which the collector then had to
/// copy and trace. The encoder fills one <see cref="SnapshotNode"/> per member it writes instead.
/// </remarks>
public interface ISnapshotNodeSource
{
    /// <summary>How many nodes there are.</summary>
    int Count { get; }

    /// <summary>The id of the node at <paramref name="index"/> (0 ≤ index &lt; <see cref="Count"/>); ids are distinct, in any order.</summary>
    uint IdAt(int index);

    /// <summary>Sets every member of <paramref name="target"/> to the node at <paramref name="index"/>; its lists may be reused until the next call.</summary>
    void Fill(int index, SnapshotNode target);
}
