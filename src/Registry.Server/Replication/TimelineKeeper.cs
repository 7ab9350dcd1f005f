using Registry.Persistence.Replication;

namespace Registry.Server.Replication;

/// <summary>This server's <see cref="Timeline"/>, kept in memory and in its data directory; every change is durable before it is visible.</summary>
/// <remarks>Thread-safe: readers see the last saved timeline; changes are serialised and saved before they are published.</remarks>
public sealed class TimelineKeeper
{
    private readonly string _directory;
    private readonly Lock _lock = new();
    private Timeline _current;

    /// <summary>Keeps <paramref name="current"/>, the timeline stored in <paramref name="directory"/>.</summary>
    public TimelineKeeper(string directory, Timeline current)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(current);
        _directory = directory;
        _current = current;
    }

    /// <summary>The timeline as last saved.</summary>
    public Timeline Current => Volatile.Read(ref _current);

    /// <summary>Saves <paramref name="next"/> durably, then makes it current; nothing is written when it equals the current one.</summary>
    /// <returns>Whether anything changed.</returns>
    /// <exception cref="IOException">Saving failed; the current timeline is unchanged.</exception>
    public bool Replace(Timeline next)
    {
        ArgumentNullException.ThrowIfNull(next);
        lock (_lock)
        {
            if (next.SameAs(_current))
            {
                return false;
            }

            next.Save(_directory);
            Volatile.Write(ref _current, next);
            return true;
        }
    }
}
