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
        return Update(_ => next);
    }

    /// <summary>Applies <paramref name="change"/> to the current timeline and saves the result, as one step: no other change can come between the read and the save.</summary>
    /// <param name="change">The next timeline from the current one; null or an equal one changes nothing.</param>
    /// <returns>Whether anything changed.</returns>
    /// <exception cref="IOException">Saving failed; the current timeline is unchanged.</exception>
    /// <remarks>
    /// Marks set from different requests (a step-down, its resumption, a fence) each derive from the timeline as it is
    /// when saved, so one never overwrites another with a stale copy; and while a save is under way (a file already
    /// renamed into place, its directory not yet synced) a concurrent change waits for it and sees its result.
    /// </remarks>
    public bool Update(Func<Timeline, Timeline?> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_lock)
        {
            var next = change(_current);
            if (next is null || next.SameAs(_current))
            {
                return false;
            }

            next.Save(_directory);
            Volatile.Write(ref _current, next);
            return true;
        }
    }
}
