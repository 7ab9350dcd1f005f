using Registry.Persistence.IO;

namespace Registry.Persistence.Wal;

/// <summary>Reads a log of the new format without changing it: one segment file, or a directory of segments.</summary>
/// <remarks>
/// Damage is classified exactly as <see cref="WriteAheadLog.Open"/> would classify it (a torn tail of the
/// last segment versus corruption), so a tool's verdict predicts what opening the log will do. Records
/// before a problem are still delivered.
/// </remarks>
public static class WalReader
{
    /// <summary>Delivers every readable record of <paramref name="path"/> (a segment file or a log directory) in order.</summary>
    /// <exception cref="FileNotFoundException">Nothing exists at <paramref name="path"/>.</exception>
    public static WalReadResult Read(string path, WalRecordHandler? onRecord, int maxPayloadBytes = WalOptions.DefaultMaxPayloadBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        List<string> files;
        if (Directory.Exists(path))
        {
            files = Directory.GetFiles(path, "*" + WalSegment.Extension)
                .Where(f => WalSegment.IsSegmentName(System.IO.Path.GetFileName(f)))
                .Order(StringComparer.Ordinal)
                .ToList();
        }
        else if (File.Exists(path))
        {
            files = [path];
        }
        else
        {
            throw new FileNotFoundException($"no log file or directory at {path}", path);
        }

        var problems = new List<WalProblem>();
        long entries = 0, fileBytes = 0, validBytes = 0;
        ulong first = 0, last = 0;
        var torn = false;
        ulong? expectedFirst = null;
        for (var i = 0; i < files.Count; i++)
        {
            var isLast = i == files.Count - 1;
            SegmentScan scan;
            using (var file = OsStorage.Instance.Open(files[i], writable: false))
            {
                scan = SegmentScanner.Scan(file, maxPayloadBytes, onRecord, cancellationToken);
            }

            fileBytes += scan.FileLength;
            validBytes += scan.ValidEnd;
            if (scan.HeaderError is not null)
            {
                var incompleteNew = isLast && scan.FileLength <= SegmentHeader.Size;
                torn |= incompleteNew;
                problems.Add(new WalProblem(0, incompleteNew ? WalProblemKind.TornTail : WalProblemKind.BadHeader, scan.HeaderError) { FilePath = files[i] });
                if (!incompleteNew)
                {
                    break;
                }

                continue;
            }

            if (expectedFirst is { } expected && scan.FirstSeq != expected)
            {
                problems.Add(new WalProblem(0, WalProblemKind.SequenceGap, $"segment starts at sequence {scan.FirstSeq} where {expected} was expected (a segment is missing)") { FilePath = files[i] });
            }

            if (scan.Records > 0)
            {
                first = first == 0 ? scan.FirstSeq : first;
                last = scan.LastSeq;
            }

            entries += scan.Records;
            expectedFirst = scan.LastSeq + 1;
            if (scan.Damage == SegmentDamage.TornTail && isLast)
            {
                torn = true;
                problems.Add(new WalProblem(scan.ValidEnd, WalProblemKind.TornTail, scan.DamageMessage!) { FilePath = files[i] });
            }
            else if (SegmentScanner.DamageIsInUnusedSpace(scan, OsStorage.Instance, files, i))
            {
                // Only preallocated space after a sealed segment's last record is damaged; no record is missing (see WalRecovery).
                problems.Add(new WalProblem(scan.ValidEnd, WalProblemKind.UnusedSpaceDamage, scan.DamageMessage!) { FilePath = files[i] });
            }
            else if (scan.Damage != SegmentDamage.None)
            {
                problems.Add(new WalProblem(scan.ValidEnd, WalProblemKind.Corruption, scan.DamageMessage!) { FilePath = files[i] });
                break;
            }
        }

        return new WalReadResult
        {
            Format = SegmentHeader.FormatName,
            Entries = entries,
            FileBytes = fileBytes,
            ValidBytes = validBytes,
            TornTail = torn,
            Problems = problems,
            Sequences = (first, last),
        };
    }

    /// <summary>Whether the file at <paramref name="path"/> starts with the new format's magic (otherwise it is read as a Go log).</summary>
    public static bool IsSegmentFile(string path)
    {
        Span<byte> magic = stackalloc byte[8];
        using var file = OsStorage.Instance.Open(path, writable: false);
        var n = SegmentScanner.ReadFully(file, magic, 0);
        return SegmentHeader.HasMagic(magic[..n]);
    }
}
