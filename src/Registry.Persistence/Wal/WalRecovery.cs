using Registry.Persistence.IO;

namespace Registry.Persistence.Wal;

/// <summary>Brings a log directory to a consistent state on open: validates every segment, cuts a torn tail, refuses corruption.</summary>
/// <remarks>
/// Only the last segment may legitimately end torn: a segment is fsync'd before its successor is created,
/// so damage to a record of an earlier one, a sequence gap between segments, or a bad record followed by a good one
/// is corruption. Corruption is refused unless <see cref="WalOptions.RecoverPrefix"/> is set, in which case
/// the valid prefix is kept and everything after it is set aside in side files, never deleted. One kind of damage in
/// an earlier segment is provably harmless and repaired: bytes after its last record (preallocated space) that are
/// no longer zero, with no valid record after them, when the next segment starts right after that last record.
/// </remarks>
internal static class WalRecovery
{
    /// <summary>Recovers <paramref name="options"/>.Directory and returns its segments, the last one opened for appending.</summary>
    public static (List<WalSegment> Segments, WalOpenReport Report) Run(WalOptions options, CancellationToken cancellationToken = default)
    {
        var storage = options.Storage;
        var dir = options.Directory;
        var files = storage.List(dir, "*" + WalSegment.Extension)
            .Where(f => WalSegment.IsSegmentName(Path.GetFileName(f)))
            .Order(StringComparer.Ordinal)
            .ToList();

        if (files.Count == 0)
        {
            var created = CreateSegment(storage, dir, options.FirstSequence);
            return ([created], new WalOpenReport { Created = true, Segments = 1, FirstSequence = options.FirstSequence, LastSequence = options.FirstSequence - 1 });
        }

        var segments = new List<WalSegment>();
        var problems = new List<WalProblem>();
        var sideFiles = new List<string>();
        long bytesCut = 0;
        long records = 0;

        for (var i = 0; i < files.Count; i++)
        {
            var path = files[i];
            var isLast = i == files.Count - 1;
            SegmentScan scan;
            using (var file = storage.Open(path, writable: false))
            {
                scan = SegmentScanner.Scan(file, options.MaxPayloadBytes, onRecord: null, cancellationToken);
            }

            var expectedFirst = segments.Count > 0 ? segments[^1].LastSeq + 1 : scan.FirstSeq;
            string? corruption = null;
            if (scan.HeaderError is not null)
            {
                if (isLast && scan.FileLength <= SegmentHeader.Size)
                {
                    // A crash while creating the segment: no record was ever acknowledged from it.
                    problems.Add(new WalProblem(0, WalProblemKind.TornTail, $"incomplete new segment: {scan.HeaderError}") { FilePath = path });
                    bytesCut += SetAside(storage, path, 0, "torn", sideFiles, deleteFile: true);
                    break;
                }

                corruption = scan.HeaderError;
            }
            else if (scan.FirstSeq != expectedFirst)
            {
                corruption = $"segment starts at sequence {scan.FirstSeq} where {expectedFirst} was expected (a segment is missing)";
            }
            else if (SegmentScanner.DamageIsInUnusedSpace(scan, storage, files, i))
            {
                // Damage after the last record of a sealed segment, in space preallocated but never used: the next
                // segment continues the sequence, so no record was there. Keep the bytes aside and go on.
                problems.Add(new WalProblem(scan.ValidEnd, WalProblemKind.UnusedSpaceDamage,
                    $"{scan.DamageMessage}; the next segment starts at sequence {scan.LastSeq + 1}, so no record is missing") { FilePath = path });
                bytesCut += SetAside(storage, path, scan.ValidEnd, "unused", sideFiles, deleteFile: false);
                records += scan.Records;
                segments.Add(new WalSegment(path, scan.FirstSeq, scan.LastSeq, scan.ValidEnd));
                continue;
            }
            else if (scan.Damage == SegmentDamage.Corruption || (scan.Damage == SegmentDamage.TornTail && !isLast))
            {
                corruption = scan.DamageMessage;
            }

            if (corruption is not null)
            {
                var usable = scan.HeaderError is null && scan.FirstSeq == expectedFirst;
                var offset = usable ? scan.ValidEnd : 0;
                var expectedSeq = usable ? scan.LastSeq + 1 : expectedFirst;
                if (!options.RecoverPrefix)
                {
                    throw new WalCorruptionException($"log is corrupt: {corruption}; refusing to open (recovering the valid prefix must be asked for explicitly)", path, offset, expectedSeq);
                }

                problems.Add(new WalProblem(offset, WalProblemKind.Corruption, corruption!) { FilePath = path });
                if (usable)
                {
                    bytesCut += SetAside(storage, path, scan.ValidEnd, "corrupt", sideFiles, deleteFile: false);
                    records += scan.Records;
                    segments.Add(new WalSegment(path, scan.FirstSeq, scan.LastSeq, scan.ValidEnd));
                    i++;
                }

                for (; i < files.Count; i++)
                {
                    bytesCut += SetAside(storage, files[i], 0, "discarded", sideFiles, deleteFile: true);
                }

                break;
            }

            if (scan.Damage == SegmentDamage.TornTail)
            {
                problems.Add(new WalProblem(scan.ValidEnd, WalProblemKind.TornTail, scan.DamageMessage!) { FilePath = path });
                bytesCut += SetAside(storage, path, scan.ValidEnd, "torn", sideFiles, deleteFile: false);
            }

            records += scan.Records;
            segments.Add(new WalSegment(path, scan.FirstSeq, scan.LastSeq, scan.ValidEnd)
            {
                Allocated = scan.Damage == SegmentDamage.TornTail ? scan.ValidEnd : scan.FileLength,
            });
        }

        if (segments.Count == 0)
        {
            segments.Add(CreateSegment(storage, dir, options.FirstSequence));
        }
        else if (bytesCut > 0)
        {
            storage.SyncDirectory(dir);
        }

        var active = segments[^1];
        active.Writer = storage.Open(active.Path, writable: true);
        return (segments, new WalOpenReport
        {
            Segments = segments.Count,
            Records = records,
            FirstSequence = segments[0].FirstSeq,
            LastSequence = active.LastSeq,
            BytesCut = bytesCut,
            SideFiles = sideFiles,
            Problems = problems,
        });
    }

    /// <summary>Creates, fills in and makes durable a new empty segment whose first record will be <paramref name="firstSeq"/>.</summary>
    public static WalSegment CreateSegment(IStorage storage, string directory, ulong firstSeq)
    {
        var path = Path.Combine(directory, WalSegment.FileName(firstSeq));
        var file = storage.Create(path);
        try
        {
            Span<byte> header = stackalloc byte[SegmentHeader.Size];
            SegmentHeader.Format(header, firstSeq);
            file.Write(header, 0);
            file.Sync();
            storage.SyncDirectory(directory);
        }
        catch
        {
            file.Dispose();
            throw;
        }

        return new WalSegment(path, firstSeq, firstSeq - 1, SegmentHeader.Size) { Writer = file };
    }

    /// <summary>Sets bytes [from, end) of <paramref name="path"/> aside in a side file; returns the bytes cut.</summary>
    private static long SetAside(IStorage storage, string path, long from, string reason, List<string> sideFiles, bool deleteFile)
    {
        var side = SideFile.CutTail(storage, path, from, reason, deleteFile, out var cut);
        if (side is not null)
        {
            sideFiles.Add(side);
        }

        return cut;
    }
}
