/// The closest valid dotted key for a mistyped one (for "did you mean" hints).
module Research.Experiments.DidYouMean

open System

/// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions, each costing 1).
let distance (a: string) (b: string) : int =
    let d = Array2D.zeroCreate (a.Length + 1) (b.Length + 1)
    for i in 0 .. a.Length do d[i, 0] <- i
    for j in 0 .. b.Length do d[0, j] <- j
    for i in 1 .. a.Length do
        for j in 1 .. b.Length do
            let cost = if a[i - 1] = b[j - 1] then 0 else 1
            let best = min (min (d[i - 1, j] + 1) (d[i, j - 1] + 1)) (d[i - 1, j - 1] + cost)
            d[i, j] <-
                if i > 1 && j > 1 && a[i - 1] = b[j - 2] && a[i - 2] = b[j - 1] then
                    min best (d[i - 2, j - 2] + 1)
                else
                    best
    d[a.Length, b.Length]

let private split (key: string) =
    match key.LastIndexOf '.' with
    | -1 -> "", key
    | i -> key.Substring(0, i), key.Substring(i + 1)

/// The valid key most likely meant by `key`, if any is close enough: a small edit of the whole key, the
/// same last name under another section (`model.alpha` → `model.poto.alpha`), or a name containing the
/// other in the same section (`solver.lr` → `solver.base_lr`), or a name starting the same way in the
/// same section (`--print-cfg` → `--print-config`).
let suggest (validKeys: string seq) (key: string) : string option =
    let parent, leaf = split key
    let score (candidate: string) =
        let cParent, cLeaf = split candidate
        let whole = distance key candidate
        let sameLeaf = if cLeaf = leaf then Some(1 + abs (candidate.Length - key.Length) / 8) else None
        let contains =
            if cParent = parent && leaf.Length >= 2 && (cLeaf.Contains leaf || leaf.Contains cLeaf) then Some 2 else None
        let sharedStart = Seq.zip leaf cLeaf |> Seq.takeWhile (fun (a, b) -> a = b) |> Seq.length
        let prefix =
            if cParent = parent && sharedStart >= max 3 (int (ceil (0.6 * float leaf.Length))) then Some 2 else None
        [ Some whole; sameLeaf; contains; prefix ] |> List.choose id |> List.min
    let limit = max 2 (key.Length / 4)
    validKeys
    |> Seq.filter (fun c -> c <> key)
    |> Seq.map (fun c -> c, score c)
    |> Seq.filter (fun (_, s) -> s <= limit)
    |> Seq.sortBy (fun (c, s) -> s, c.Length, c)
    |> Seq.tryHead
    |> Option.map fst

/// " (did you mean 'x'?)" or "" — ready to append to a message.
let hint (validKeys: string seq) (key: string) : string =
    match suggest validKeys key with
    | Some k -> sprintf "; did you mean '%s'?" k
    | None -> ""
