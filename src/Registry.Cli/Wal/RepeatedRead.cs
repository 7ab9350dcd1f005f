using Registry.Persistence.Wal;

namespace Registry.Cli.Wal;

/// <summary>Reads a log, or a data directory, that a running server may be appending to, until what it finds stops moving.</summary>
/// <remarks>
/// Reading a file while it is written can catch a batch half copied (bytes still zero with a complete record after
/// them: the reader's copy overtook the writer's), which reads as a torn tail or as damage inside the log. Such a
/// finding moves on, or vanishes, with the next read; damage on disk stays where it is. So a read that finds anything
/// is repeated: problems found at the same place by two reads in a row are damage, the rest are records being written.
/// A clean first read is final: a stopped server's intact files are read once, damaged ones twice.
/// </remarks>
internal static class RepeatedRead
{
    /// <summary>The most reads made.</summary>
    public const int MaxReads = 5;

    /// <summary>What the reads found.</summary>
    /// <param name="Last">The last read's result.</param>
    /// <param name="Damage">Its problems that the read before found at the same place.</param>
    /// <param name="InProgress">Its other problems: records being written.</param>
    public readonly record struct Outcome<T>(T Last, IReadOnlyList<WalProblem> Damage, IReadOnlyList<WalProblem> InProgress);

    /// <summary>Calls <paramref name="read"/> until it finds no problem or the same ones twice in a row, at most <see cref="MaxReads"/> times.</summary>
    public static Outcome<T> Run<T>(Func<T> read, Func<T, IReadOnlyList<WalProblem>> problemsOf)
    {
        HashSet<(string?, long)>? previous = null;
        for (var attempt = 1; ; attempt++)
        {
            var result = read();
            var problems = problemsOf(result);
            List<WalProblem> damage = previous is null ? [] : [.. problems.Where(p => previous.Contains((p.FilePath, p.Offset)))];
            if (problems.Count == 0 || damage.Count == problems.Count || attempt == MaxReads)
            {
                return new Outcome<T>(result, damage, [.. problems.Except(damage)]);
            }

            previous = [.. problems.Select(p => (p.FilePath, p.Offset))];
        }
    }
}
