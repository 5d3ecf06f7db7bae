"""Data sets: a registry of published files and loaders that return plain Python/NumPy objects.

Every registered file is found in this order:

1. ``$EMBEDLEARN_DATA`` -- a read-only folder with the files in the layout of the registry
   (``text8/text8``, ``wordsim/questions-words.txt``, ...), e.g. an offline test mirror;
2. the cache, ``~/.cache/embedlearn`` (or ``$EMBEDLEARN_CACHE``, :func:`set_data_home`, or the
   ``data_home`` argument), same layout;
3. a download from the canonical URL into the cache (archives are unpacked there and deleted).

Each file is checked against its registered size and digest wherever it is found; a mismatch
raises :class:`ChecksumError` and the file is never used (a bad download is deleted, a bad
local file is left for you to inspect).  Offline and missing raises :class:`DataNotFoundError`
naming the URL and the place to put the file.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np

__all__ = [
    "REGISTRY", "Dataset", "File", "ChecksumError", "DataNotFoundError",
    "list_datasets", "register", "get_data_home", "set_data_home", "fetch",
    "load_text8", "load_analogy_questions", "load_wordsim353", "load_rare_words", "load_lee",
    "load_imdb", "load_rt_polarity", "load_movielens_100k", "load_movielens_latest_small",
    "load_movielens_1m", "load_cora", "load_blogcatalog", "load_tu_dataset",
    "TEXT8_PREFIX_TOKENS", "TEXT8_SENTENCE_LENGTH",
    "LeeCorpus", "Reviews", "LabelledTexts", "Ratings", "LabelledGraph", "GraphDataset",
]

TEXT8_PREFIX_TOKENS = 2_139_748   # tokens in the verified prefix of text8 (the test mirror)
TEXT8_SENTENCE_LENGTH = 10_000    # gensim's Text8Corpus max_sentence_length


class ChecksumError(ValueError):
    """A file's size or digest differs from the registered one."""


class DataNotFoundError(FileNotFoundError):
    """A registered file is neither on disk nor downloadable."""


@dataclass(frozen=True)
class File:
    """One registered file.

    Parameters
    ----------
    path : str
        Path in the data layout, relative to ``$EMBEDLEARN_DATA`` or the cache.
    size : int
        Size in bytes.
    digest : str or None
        ``"sha256:<hex>"`` (or ``"sha1:"``/``"md5:"`` where only that is published). None only
        for files of an archive whose own digest is registered (then the size is checked).
    member : str or None
        Name of the file inside the data set's archive (None for a direct download).
    urls : tuple of str
        Direct download addresses (canonical first), when the data set has no archive.
    """

    path: str
    size: int
    digest: str | None
    member: str | None = None
    urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class Dataset:
    """A registry entry: files, where they come from, and how to cite them.

    Parameters
    ----------
    name : str
        Registry key.
    files : tuple of File
    urls : tuple of str
        Archive download addresses (canonical first, then mirrors); empty if the files are
        downloaded one by one (``File.urls``) or not downloadable at all.
    archive_digest : str or None
        Digest of the archive, where one is published.
    homepage, citation, license, note : str
    extract : callable or None
        ``extract(archive_path, files) -> iterable of (File, bytes)`` for archives whose
        files are derived rather than copied (IMDB); default: copy each ``File.member``.
    """

    name: str
    files: tuple[File, ...]
    urls: tuple[str, ...] = ()
    archive_digest: str | None = None
    homepage: str = ""
    citation: str = ""
    license: str = ""
    note: str = ""
    extract: Callable | None = None


REGISTRY: dict[str, Dataset] = {}


def register(dataset):
    """Add or replace a registry entry (e.g. to point a data set at a local mirror).

    Parameters
    ----------
    dataset : Dataset

    Returns
    -------
    Dataset
        The registered entry.
    """
    if not isinstance(dataset, Dataset):
        raise TypeError(f"register expects a Dataset, got {type(dataset).__name__}")
    for digest in [f.digest for f in dataset.files] + [dataset.archive_digest]:
        if digest is not None and (digest.count(":") != 1
                                   or digest.split(":")[0] not in hashlib.algorithms_available):
            raise ValueError(f"{dataset.name}: digest {digest!r} is not '<algorithm>:<hex>'")
    REGISTRY[dataset.name] = dataset
    return dataset


def list_datasets():
    """Return the sorted names of the registered data sets."""
    return sorted(REGISTRY)


def _table(folder, member_prefix, rows):
    """Files from ``name size sha256`` lines (as in MANIFEST.md), members ``prefix + name``."""
    out = []
    for line in rows.strip().splitlines():
        name, size, sha = line.split()
        member = None if member_prefix is None else member_prefix + name
        out.append(File(f"{folder}/{name}", int(size), "sha256:" + sha, member))
    return tuple(out)


# ----------------------------------------------------------------------------------- registry
_GENSIM_DATA = "https://raw.githubusercontent.com/piskvorky/gensim/develop/gensim/test/test_data/"
_GROUPLENS = "https://files.grouplens.org/datasets/movielens/"
_TEXT8_URL = "http://mattmahoney.net/dc/text8.zip"
_WIKI_TERMS = "English Wikipedia text: Wikipedia's terms (GFDL at the time of the dump; CC BY-SA)."
_ML_CITE = ("F. M. Harper, J. A. Konstan, 'The MovieLens Datasets: History and Context', "
            "ACM TiiS 5(4):19, 2015. doi:10.1145/2827872")
_TU_CITE = ("C. Morris et al., 'TUDataset: A collection of benchmark datasets for learning with "
            "graphs', arXiv:2007.08663, 2020")

register(Dataset(
    "text8",
    (File("text8/text8", 100_000_000, "sha1:0dc3edebc970dcc96137e7deda4d9995af9d93de", "text8"),),
    urls=(_TEXT8_URL,), archive_digest="sha1:6c70299b93b7e1f927b42cd8f6ac1a31547c7a2e",
    homepage="http://mattmahoney.net/dc/textdata.html",
    citation="M. Mahoney, 'About the Test Data', Large Text Compression Benchmark, 2006",
    license=_WIKI_TERMS,
    note="First 10^8 bytes of cleaned English Wikipedia (2006-03-03), 17,005,207 tokens. "
         "Only SHA-1 digests are published (zip and unzipped file).",
))
register(Dataset(
    "text8-prefix",
    (File("text8/text8", 12_549_837,
          "sha256:41e50c6af8fea8a544864ab290f2d07349c212ac0187b41e21a4249a2aa0103d"),),
    homepage="http://mattmahoney.net/dc/textdata.html",
    citation="M. Mahoney, 'About the Test Data', Large Text Compression Benchmark, 2006",
    license=_WIKI_TERMS,
    note=f"The first 12,549,837 bytes of text8 cut at the last space ({TEXT8_PREFIX_TOKENS:,} "
         f"tokens); only in test mirrors, not downloadable. The full corpus is 'text8' "
         f"({_TEXT8_URL}).",
))
register(Dataset(
    "questions-words",
    (File("wordsim/questions-words.txt", 603_955,
          "sha256:8c29b3332afc46f3fb8be04cb5297bf96f39aa7131272dff57869b4485b22a36",
          urls=("https://raw.githubusercontent.com/tmikolov/word2vec/master/questions-words.txt",
                _GENSIM_DATA + "questions-words.txt")),),
    homepage="https://github.com/tmikolov/word2vec",
    citation="T. Mikolov, K. Chen, G. Corrado, J. Dean, 'Efficient Estimation of Word "
             "Representations in Vector Space', ICLR Workshop, 2013",
    license="Apache License 2.0 (word2vec).",
    note="Google analogy test set: 19,544 questions in 14 sections (the first 5 semantic).",
))
register(Dataset(
    "wordsim353",
    (File("wordsim/wordsim353.tsv", 7_186,
          "sha256:f92a022fc2537793a15bc3a8c162ebcd74990e033a228bb6388cb71e4c0b1e1d",
          urls=(_GENSIM_DATA + "wordsim353.tsv",)),),
    homepage="http://www.cs.technion.ac.il/~gabr/resources/data/wordsim353/",
    citation="L. Finkelstein et al., 'Placing Search in Context: The Concept Revisited', "
             "ACM TOIS 20(1):116-131, 2002",
    license="Free for research use (as distributed by the authors).",
    note="gensim's copy of the 353 pairs (word1, word2, mean score), after 2 comment lines.",
))
register(Dataset(
    "rare-words",
    (File("wordsim/rw.txt", 92_466,
          "sha256:f38941b02b85cf20e9d857ab4ee06ee0dfcb1c9ce0df6c546f1134fc5e625dae", "rw/rw.txt"),),
    urls=("https://nlp.stanford.edu/~lmthang/morphoNLM/rw.zip",),
    archive_digest="sha1:bf9c5959a0a2d7ed8e51d91433ac5ebf366d4fb9",  # as in GluonNLP
    homepage="https://nlp.stanford.edu/~lmthang/morphoNLM/",
    citation="M.-T. Luong, R. Socher, C. D. Manning, 'Better Word Representations with "
             "Recursive Neural Networks for Morphology', CoNLL 2013",
    license="No license stated; cite the paper.",
    note="Stanford Rare Words: 2,034 pairs; column 3 is the mean score (0-10).",
))
register(Dataset(
    "lee",
    (File("lee/lee_background.cor", 360_082,
          "sha256:5d78d6dafd953bbf65797bef09a9ffb9ec430583381be705f8fd460000f370fb",
          urls=(_GENSIM_DATA + "lee_background.cor",)),
     File("lee/lee.cor", 24_658,
          "sha256:a878f9a58f6743c32985c56c2f2f75988386216b38a4023a01fd3bcf7884d93e",
          urls=(_GENSIM_DATA + "lee.cor",))),
    homepage="https://github.com/piskvorky/gensim/tree/develop/gensim/test/test_data",
    citation="M. D. Lee, B. Pincombe, M. Welsh, 'An empirical evaluation of models of text "
             "document similarity', CogSci 2005",
    license="As shipped with gensim's tests (LGPL-2.1 package); cite the paper.",
    note="300 background news documents and 50 test documents, one per line, latin-1.",
))


def _extract_imdb(archive, files):
    """Build the line-per-review files of the mirror from ``aclImdb_v1.tar.gz``."""
    import tarfile

    reviews = {}  # (split, label) -> {id: (rating, text)}
    with tarfile.open(archive, "r:gz") as tar:
        for info in tar:
            parts = info.name.split("/")  # aclImdb/{split}/{label}/{id}_{rating}.txt
            if (len(parts) == 4 and parts[1] in ("train", "test") and parts[2] in ("pos", "neg")
                    and info.isfile() and parts[3].endswith(".txt")):
                id_, rating = parts[3][:-4].split("_")
                text = tar.extractfile(info).read().replace(b"\n", b" ")
                reviews.setdefault((parts[1], parts[2]), {})[int(id_)] = (rating, text)
    by_path = {f.path: f for f in files}
    for (split, label), group in sorted(reviews.items()):
        ids = sorted(group)
        buf = io.BytesIO()
        # mtime=0 and no stored name make the gzip bytes reproducible (level 9, as published)
        with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
            gz.write(b"".join(group[i][1] + b"\n" for i in ids))
        yield by_path[f"imdb/{split}_{label}.txt.gz"], buf.getvalue()
        tsv = "".join(f"{i}\t{group[i][0]}\n" for i in ids).encode()
        yield by_path[f"imdb/ids_{split}_{label}.tsv"], tsv


register(Dataset(
    "imdb",
    _table("imdb", None, """
        ids_test_neg.tsv      88890 873e571976031500b762fee46478d6906317e2df4c3aa919555eee5534f14b96
        ids_test_pos.tsv      93889 80e5e29398583dd9399bc7de3fe9d2448a459ee9ea2cc64157f6a97315254db0
        ids_train_neg.tsv     88890 9f15d439b75bdf2559e587c95a3f0cc4ab6da330b6265532093a55abe01d5580
        ids_train_pos.tsv     93622 0ecd3dbc64f677688a32cf8feaa3757ce9cc6767a8649668a25541b6c947afe7
        test_neg.txt.gz     6273950 1addab585c745aa900e0586319fc9ed15e24c4a2db8d999736edac296814a3f1
        test_pos.txt.gz     6202118 036756013701865a5bda43fab666c7ae22a206f4c007f8c9ff9cbdeef45ea40b
        train_neg.txt.gz    6363989 ab755e4b6bebffa7266c275a22ca338008dce3f02e995a83fe2cd5493e8945cb
        train_pos.txt.gz    6416378 8da03a62e556559c286c077e8b28120ef22014e25d0d13d031081a0398bea835
    """),
    urls=("http://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",),
    archive_digest="md5:7c2ac02c03563afcf9b574c7e56c153a",  # as in torchtext
    homepage="http://ai.stanford.edu/~amaas/data/sentiment/",
    citation="A. L. Maas et al., 'Learning Word Vectors for Sentiment Analysis', ACL-HLT 2011",
    license="No license stated; cite the paper. Texts are IMDb user reviews.",
    note="The 50,000 labelled reviews, one per line in id order per split/label (derived from "
         "the archive on download); ids_*.tsv: id<TAB>rating. Unlabelled reviews not included.",
    extract=_extract_imdb,
))
register(Dataset(
    "rt-polarity",
    _table("rt-polarity", "rt-polaritydata/", """
        rt-polarity.neg  612290 4af43bf489620b498a0852c5a8c6a535155dec7985fdfea782b8f7756b957ccc
        rt-polarity.pos  626168 d79ef14009bbf87cd6be21f91c3ea1a3cbcb73b34dfb4231aef7bbcd7677abc4
    """),
    urls=("https://www.cs.cornell.edu/people/pabo/movie-review-data/rt-polaritydata.tar.gz",),
    homepage="http://www.cs.cornell.edu/people/pabo/movie-review-data/",
    citation="B. Pang, L. Lee, 'Seeing stars: Exploiting class relationships for sentiment "
             "categorization with respect to rating scales', ACL 2005",
    license="No license in the original README; cite the paper.",
    note="Sentence polarity v1.0: 5,331 positive + 5,331 negative snippets, cp1252 bytes.",
))
register(Dataset(
    "ml-100k",
    _table("movielens/ml-100k", "ml-100k/", """
        README    6750 4883b8cf340ed0059971b33f56ad3adc88a40792108ebca3d24aafc4c82e8b52
        u.data 1979173 06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490
        u.genre    202 9757e0d3e6b298159a80dd48eaf938114690e911e39af97a76949ef1663610bb
        u.info      36 5b0a40b2e47a729ee6203063f6dcf8790c2e63f5a18663e6ee318a72c5f3c27b
        u.item  236344 553841ebc7de3a0fd0d6b62a204ea30c1e651aacfb2814c7a6584ac52f2c5701
        u.user   22628 f120e114da2e8cf314fd28f99417c94ae9ddf1cb6db8ce0e4b5995d40e90e62c
    """),
    urls=(_GROUPLENS + "ml-100k.zip",),
    archive_digest="sha256:50d2a982c66986937beb9ffb3aa76efe955bf3d5c6b761f4e3a7cd717c6a3229",
    homepage="https://grouplens.org/datasets/movielens/100k/",
    citation=_ML_CITE,
    license="Research use; acknowledge in publications; no redistribution without permission.",
    note="100,000 ratings (1-5) by 943 users of 1,682 movies; u.item is latin-1.",
))
register(Dataset(
    "ml-latest-small",
    _table("movielens/ml-latest-small", "ml-latest-small/", """
        README.txt     8342 63d22ac138e80fae37021797ed8e1b9424b5239dc576a137422adf783ae3f404
        links.csv    197979 97ad18e4e56a09363c65676b6cb3482ce3e2cea2372a24620c1599c843325f31
        movies.csv   494431 5a5f32dd9bb3797b8e728a1b98958789d2b13f294a69fdfbc5727f8a9611aa07
        ratings.csv 2483723 aa289ca83157595d0df6aea1be6a4ded676ddc4385472e8313a8ed9805352646
        tags.csv     118660 92a9f8bb7916dceef6151209845788c3643f794dfa79d1feaec7121b5960399d
    """),
    urls=(_GROUPLENS + "ml-latest-small.zip",),
    archive_digest="sha256:696d65a3dfceac7c45750ad32df2c259311949efec81f0f144fdfb91ebc9e436",
    homepage="https://grouplens.org/datasets/movielens/latest/",
    citation=_ML_CITE,
    license="Research use; acknowledge in publications; redistribution under the same terms.",
    note="Release 2018-09: 100,836 ratings (0.5-5) by 610 users of 9,742 movies. A 'development' "
         "data set that GroupLens may update: a new release fails the digest check.",
))
register(Dataset(
    "ml-1m",
    (File("movielens/ml-1m/ratings.dat", 24_594_131, None, "ml-1m/ratings.dat"),
     File("movielens/ml-1m/movies.dat", 171_308, None, "ml-1m/movies.dat"),
     File("movielens/ml-1m/users.dat", 134_368, None, "ml-1m/users.dat")),
    urls=(_GROUPLENS + "ml-1m.zip",),
    archive_digest="sha256:a6898adb50b9ca05aa231689da44c217cb524e7ebd39d264c56e2832f2c54e20",
    homepage="https://grouplens.org/datasets/movielens/1m/",
    citation=_ML_CITE,
    license="Research use; acknowledge in publications; no redistribution without permission.",
    note="1,000,209 ratings by 6,040 users. Only the archive's digest is known: the files are "
         "checked through it on download, afterwards by size.",
))
register(Dataset(
    "cora",
    _table("cora", "cora/", """
        README          1560 ecfcfcdc830c6fe49a148c318044cd65d8335c9442c6ba5d9fba1bcee9bc7a0d
        cora.cites     69928 ec1a372391b7f0f60a6aff0084e8abd8f19f0faa7e1f2441a41c492042d5945e
        cora.content 7823427 b8ebed0fd45e53995abafd1b70cf6a9fcc8f86abc5826d69b97fe6ca46e9c8ee
    """),
    urls=("https://linqs-data.soe.ucsc.edu/public/lbc/cora.tgz",),
    homepage="https://linqs.org/datasets/#cora",
    citation="P. Sen et al., 'Collective Classification in Network Data', AI Magazine "
             "29(3):93-106, 2008",
    license="No license stated; distributed for research use.",
    note="2,708 papers (1,433 binary word features, 7 classes), 5,429 citations.",
))
register(Dataset(
    "blogcatalog",
    _table("blogcatalog", "BlogCatalog-dataset/data/", """
        edges.csv       3263176 85941eb8e48830f3b8fbc948ea1023b902e92d048d1ce71acd07069776a2f59b
        group-edges.csv  108317 6356302d43807876c7743f83b53e2a6c3cd9589350e4129a1d89e1df0e3efacd
        groups.csv          107 51cfd743344690c92aa5e7219210935ea6c82cdff92c102418f412b135fa63aa
        nodes.csv         50765 39047aef3f6045bd8a1df6ee3606fa6709a835b79c034ee84fe479599dfae602
    """) + (File("blogcatalog/readme.txt", 2_465,
                 "sha256:0a0910979f647c4fcf9dddb58461090f6c2612b564419ed02086682a9bedc9c7",
                 "BlogCatalog-dataset/readme.txt"),),
    urls=("http://socialcomputing.asu.edu/uploads/1283153973/BlogCatalog-dataset.zip",
          "http://datasets.syr.edu/uploads/1283153973/BlogCatalog-dataset.zip"),
    homepage="http://socialcomputing.asu.edu/datasets/BlogCatalog3",
    citation="L. Tang, H. Liu, 'Relational Learning via Latent Social Dimensions', KDD 2009",
    license="No license stated; cite the paper and the ASU Social Computing Data Repository.",
    note="10,312 bloggers, 333,983 friendships, 39 groups (multi-label).",
))

_TU_NAMES = {}  # registry name -> TU name (the prefix of its file names)


def _register_tu(tu_name, rows, citation):
    """Register a TU data set; ``rows`` name its files without the ``{tu_name}_`` prefix."""
    folder = tu_name.lower()
    _TU_NAMES[folder] = tu_name
    files = []
    for f in _table(folder, None, rows):
        short = f.path.split("/")[1]
        name = short if short == "README.txt" else f"{tu_name}_{short}"
        files.append(replace(f, path=f"{folder}/{name}", member=f"{tu_name}/{name}"))
    register(Dataset(
        folder, tuple(files), urls=(f"https://www.chrsmrrs.com/graphkerneldatasets/{tu_name}.zip",),
        homepage="https://chrsmrrs.github.io/datasets/",
        citation=f"{citation}; {_TU_CITE}",
        license="No license stated; cite the data set and the TU collection.",
        note="TU graph-kernel benchmark format.",
    ))


_register_tu("MUTAG", """
    A.txt                  76940 d9656ca7493f3445d737c711710bb36fd432dddd1c0ea32e1d4713c86ebd28e2
    edge_labels.txt        14884 4669ce755075ff86c3240709345745886400908fa637a49310459b9c267b3e56
    graph_indicator.txt    11532 7d520a4d6c7961c0cdeabe076d8fe27e795b6d373485c9a2b744987e560a2056
    graph_labels.txt         439 a1518ea39ba3426bd42f57396b9c4baffe68e9adc718caeeab0119c6591a5f2c
    node_labels.txt         6742 678f429965490e84dd27713017538c995fc05d1621beac910848b600015ee863
    README.txt              2611 66de65e4826e112482ec680bbbdf7c0af56d826ce935c110786d130b79b76b06
""", "A. K. Debnath et al., J. Med. Chem. 34(2):786-797, 1991")
_register_tu("PTC_MR", """
    A.txt                 106642 f79523ff94dfbef539e5602a8ac1931a50a2800f33fa1d30e5e31725289b5202
    edge_labels.txt        20216 acee2f93b52175a329009dc837bea9db7c2a121c2ef0b1587b38bbe6fc9b8177
    graph_indicator.txt    18155 d52754f3cbc54e29324f884b4c17200c16e06db0c499afae300b4fa1bb6d794b
    graph_labels.txt         880 64210accbe4c6c027535b1294e0da652b1f539667f7a2d4bf5121dcd8b00a224
    node_labels.txt         9842 cc50d1e1c5f4c98b2100cf50c5ddd88ff28b419a9180d531046b75ce22983235
    README.txt              2462 f0dcf17d5e115efb4db51d6be6ca629181ca9cdef9f975663dd054a3c779c52a
""", "C. Helma et al., Bioinformatics 17(1):107-108, 2001")
_register_tu("PROTEINS", """
    A.txt                2022990 4c4b33e272fc95cac6d27ed6d5d12b9a852c8610e91fff59f8f0dbdd5a20df67
    graph_indicator.txt   169673 8d4ff1e852a5c28561e9bffb44cf9490bc552b13a3b6156dd12dc7f44e9afc4a
    graph_labels.txt        2226 c0ef9810c440775252872318d0c8adc385588e14bc4c47a2c34aa96ee3c7cdcd
    node_attributes.txt   478190 54eef829abb37e458a5fbf3a3c581e48e5810e220463c2cd951856b9ceb08f07
    node_labels.txt        86942 f758e8ad3d6e3c026b50833d75f6f90735b94eb3345e4243707f495ca8afea8d
    README.txt              2221 e9c4ed2c9a4059ddfdc2eb7330ebecfc6c8d42dabd5ce2ee67f28aed0db49da7
""", "K. M. Borgwardt et al., Bioinformatics 21(Suppl 1):i47-i56, 2005")
_register_tu("NCI1", """
    A.txt                3235898 2c028eda59a5fe96e2265a63d9ac236901bd9a7dc658498be13cd704a703076d
    graph_indicator.txt   585267 ffe5acfa754b057d5ce0dc725c5aadb631628161886cc040d38c719635257dc5
    graph_labels.txt        8220 fae44681e70113f496256ae87eaac33b7836e3a97fe8e023933b84fde6a5c8a2
    node_labels.txt       245932 dc0a22b6cbff0c939de00373e823977ba32b358f560e4288d7602f7b51407ee2
    README.txt              2477 1866d918409a22531ef00ff7b0f72200c3a06722342c23c5e3299cebb5cd8757
""", "N. Wale, I. A. Watson, G. Karypis, Knowl. Inf. Syst. 14(3):347-375, 2008")


# ----------------------------------------------------------------------------- locations
_DATA_HOME: Path | None = None


def set_data_home(path):
    """Set the cache folder for this session (None restores the default).

    Parameters
    ----------
    path : str, os.PathLike or None
    """
    global _DATA_HOME
    _DATA_HOME = None if path is None else Path(os.path.abspath(os.path.expanduser(path)))


def get_data_home(data_home=None):
    """Return the cache folder.

    Parameters
    ----------
    data_home : str or os.PathLike, optional
        Wins over :func:`set_data_home`, which wins over ``$EMBEDLEARN_CACHE``, which wins
        over ``~/.cache/embedlearn``. Relative paths resolve against the current directory.

    Returns
    -------
    pathlib.Path
    """
    if data_home is not None:
        return Path(os.path.abspath(os.path.expanduser(data_home)))
    if _DATA_HOME is not None:
        return _DATA_HOME
    env = os.environ.get("EMBEDLEARN_CACHE")
    path = env if env else os.path.join("~", ".cache", "embedlearn")
    return Path(os.path.abspath(os.path.expanduser(path)))


def _mirror_dir():
    """``$EMBEDLEARN_DATA`` resolved against the current directory at call time, or None."""
    env = os.environ.get("EMBEDLEARN_DATA")
    if not env:
        return None
    path = Path(os.path.abspath(os.path.expanduser(env)))
    if not path.is_dir():
        raise NotADirectoryError(
            f"EMBEDLEARN_DATA={env!r} resolves to {path}, which is not a folder "
            f"(relative paths resolve against the current directory, {os.getcwd()}); "
            "set it to an absolute path or unset it")
    return path


def _entry(name):
    if not isinstance(name, str):
        raise TypeError(f"data set name must be a str, got {type(name).__name__}")
    if name not in REGISTRY:
        raise KeyError(f"unknown data set {name!r}; registered: {', '.join(list_datasets())}")
    return REGISTRY[name]


# --------------------------------------------------------------------------- verification
_VERIFIED: set = set()  # (path, size, mtime_ns, digest) already hashed in this process


def _hash_file(path, algorithm):
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def _mismatch(path, file):
    """None if ``path`` is ``file`` (size, then digest), else a short reason."""
    st = path.stat()
    if st.st_size != file.size:
        return f"{st.st_size:,} bytes, expected {file.size:,}"
    if file.digest is None:
        return None
    key = (str(path), st.st_size, st.st_mtime_ns, file.digest)
    if key in _VERIFIED:
        return None
    algorithm, expected = file.digest.split(":")
    actual = _hash_file(path, algorithm)
    if actual != expected:
        return f"{algorithm} {actual}, expected {expected}"
    _VERIFIED.add(key)
    return None


def _is_other_registered_file(path, file):
    """True if ``path`` is another registered file with the same place (text8 vs its prefix)."""
    return any(g.path == file.path and g != file and _mismatch(path, g) is None
               for ds in REGISTRY.values() for g in ds.files)


def _find_local(ds, data_home=None):
    """The first root (mirror, then cache) that holds all of ``ds``'s files, verified, or None."""
    for root in (_mirror_dir(), get_data_home(data_home)):
        if root is None:
            continue
        complete = True
        for f in ds.files:
            path = root / f.path
            if not path.is_file():
                complete = False
                continue
            reason = _mismatch(path, f)
            if reason is None:
                continue
            if _is_other_registered_file(path, f):
                complete = False
                continue
            raise ChecksumError(
                f"{path} is not the registered file {f.path!r} of data set {ds.name!r} "
                f"({reason}). It is corrupt or a different version; it was not used. Delete it "
                f"(it is downloaded again from {_sources(ds, f)}) or replace it by the "
                "published file.")
        if complete:
            return root
    return None


def _sources(ds, f):
    return " or ".join(ds.urls or f.urls) or "nowhere (no public download)"


# ------------------------------------------------------------------------------ downloads
def _download(url, dest_dir, digest):
    """Stream ``url`` into a temporary file in ``dest_dir``; return its path once complete
    and (if ``digest`` is given) verified. Any failure deletes the temporary file."""
    import urllib.request

    from tqdm import tqdm

    dest_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest_dir, prefix=".download-", suffix=".part")
    tmp = Path(tmp)
    algorithm, expected = digest.split(":") if digest else ("sha256", None)
    h, n = hashlib.new(algorithm), 0
    try:
        with os.fdopen(fd, "wb") as out:
            request = urllib.request.Request(url, headers={"User-Agent": "embedlearn"})
            with urllib.request.urlopen(request, timeout=60) as response:
                length = response.headers.get("Content-Length")
                total = int(length) if length else None
                with tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024,
                          desc=url.rsplit("/", 1)[-1], file=sys.stderr) as bar:
                    while chunk := response.read(1 << 20):
                        out.write(chunk)
                        h.update(chunk)
                        n += len(chunk)
                        bar.update(len(chunk))
        if total is not None and n != total:
            raise OSError(f"transfer interrupted: received {n:,} of {total:,} bytes")
        if expected is not None and h.hexdigest() != expected:
            raise ChecksumError(
                f"download of {url} has {algorithm} {h.hexdigest()}, expected {expected}; "
                "the file was deleted (a changed or damaged download)")
        return tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _archive_members(ds, archive):
    """Yield (File, file object or bytes) for each registered file from a downloaded archive."""
    if ds.extract is not None:
        yield from ds.extract(archive, ds.files)
        return
    import tarfile
    import zipfile

    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            names = set(zf.namelist())
            for f in ds.files:
                if f.member not in names:
                    raise ChecksumError(f"archive {ds.urls[0]} has no member {f.member!r}")
                with zf.open(f.member) as src:
                    yield f, src
    else:
        with tarfile.open(archive, "r:*") as tar:
            for f in ds.files:
                try:
                    src = tar.extractfile(f.member)
                except KeyError:
                    src = None
                if src is None:
                    raise ChecksumError(f"archive {ds.urls[0]} has no file member {f.member!r}")
                yield f, src


def _fetch_remote(ds, root):
    """Download ``ds`` into ``root`` (each URL in turn); on failure leave no file behind."""
    jobs = [(ds.urls, None)] if ds.urls else [(f.urls, f) for f in ds.files]
    for urls, f in jobs:
        dest_dir = root / Path((f or ds.files[0]).path).parent
        try:
            _fetch_one(ds, f, urls, dest_dir, root)
        except BaseException:
            _remove_empty_dirs(dest_dir, root)
            raise


def _fetch_one(ds, f, urls, dest_dir, root):
    """Download file ``f`` (or the archive of ``ds`` if ``f`` is None) from the first URL
    that works, verify it and install it under ``root``."""
    import http.client

    if not urls:
        raise DataNotFoundError(_missing_message(ds, root, "it is not downloadable"))
    failures = []
    for url in urls:
        try:
            tmp = _download(url, dest_dir, f.digest if f else ds.archive_digest)
        except ChecksumError as err:
            failures.append(err)
            continue
        except (OSError, http.client.HTTPException, ValueError) as err:  # network, bad URL
            failures.append(OSError(f"{url}: {err}"))
            continue
        try:
            if f is not None:
                _install(tmp, f, root)
            else:
                _unpack(ds, tmp, root)
        finally:
            tmp.unlink(missing_ok=True)
        return
    reasons = "; ".join(str(e) for e in failures)
    if all(isinstance(e, ChecksumError) for e in failures):
        raise ChecksumError(f"data set {ds.name!r}: {reasons}")
    err = DataNotFoundError(_missing_message(ds, root, reasons))
    err.reason = reasons
    raise err


def _remove_empty_dirs(path, root):
    """Remove the folders a failed download created (from ``path`` up to ``root``)."""
    while path != root and root in path.parents:
        try:
            path.rmdir()  # fails, and stops, at the first non-empty folder
        except OSError:
            return
        path = path.parent


def _unpack(ds, archive, root):
    """Write each registered file of a downloaded archive into ``root``, verified."""
    import tarfile
    import zipfile
    import zlib

    try:
        for f, source in _archive_members(ds, archive):
            dest = root / f.path
            dest.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".extract-", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as out:
                    if isinstance(source, bytes):
                        out.write(source)
                    else:
                        while chunk := source.read(1 << 22):
                            out.write(chunk)
                _install(Path(tmp), f, root)
            finally:
                Path(tmp).unlink(missing_ok=True)
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error) as err:
        raise ChecksumError(f"the download of {ds.name!r} is not a readable archive ({err}); "
                            "it was deleted") from None


def _install(tmp, f, root):
    """Move a verified temporary file to ``root / f.path`` (atomic rename, same folder)."""
    reason = _mismatch(tmp, f)
    if reason is not None:
        raise ChecksumError(f"{f.path!r} from the download is not the registered file "
                            f"({reason}); nothing was kept")
    os.replace(tmp, root / f.path)


def _missing_message(ds, root, reason):
    where = ", ".join(str(root / f.path) for f in ds.files)
    if ds.urls:
        how = (f"download {ds.urls[0]} yourself, take the members "
               f"{', '.join(f.member or '?' for f in ds.files)} out of it")
    elif any(f.urls for f in ds.files):
        how = "download " + ", ".join(f.urls[0] for f in ds.files if f.urls)
    else:
        how = "get the files elsewhere"
    note = f" ({ds.note})" if ds.note else ""
    return (f"data set {ds.name!r}{note} is not on disk and could not be downloaded: {reason}. "
            f"To install it by hand, {how} and put them at {where} (or under a folder named "
            "by $EMBEDLEARN_DATA, same layout).")


def fetch(name, data_home=None):
    """Return the local path of a registered data set, downloading it if needed.

    Parameters
    ----------
    name : str
        Registry name, e.g. ``"text8"``, ``"questions-words"``, ``"cora"``
        (see :func:`list_datasets`).
    data_home : str or os.PathLike, optional
        Cache folder (see :func:`get_data_home`).

    Returns
    -------
    pathlib.Path
        The file for one-file data sets, else the folder holding the files.

    Raises
    ------
    KeyError
        Unknown name.
    ChecksumError
        A file on disk or a download differs from the registered digest.
    DataNotFoundError
        Not on disk and the download failed (offline, moved, interrupted).
    """
    ds = _entry(name)
    root = _find_local(ds, data_home)
    if root is None:
        root = get_data_home(data_home)
        _fetch_remote(ds, root)
    if len(ds.files) == 1:
        return root / ds.files[0].path
    return root / os.path.commonpath([f.path for f in ds.files])


def _read(name, filename, data_home, encoding="utf-8"):
    """Text of one file of a data set, lines ending in ``\\n`` kept as they are."""
    with open(fetch(name, data_home) / filename, encoding=encoding, newline="") as f:
        return f.read()


# --------------------------------------------------------------------------------- text8
def _text8_path(max_tokens, data_home):
    # The prefix holds the same first tokens, so it serves any max_tokens it covers.
    if max_tokens is not None and max_tokens <= TEXT8_PREFIX_TOKENS:
        root = _find_local(REGISTRY["text8-prefix"], data_home)
        if root is not None:
            return root / "text8/text8"
    try:
        return fetch("text8", data_home)
    except DataNotFoundError as err:
        need = "the whole corpus" if max_tokens is None else f"{max_tokens:,} tokens"
        dest = get_data_home(data_home) / "text8" / "text8"
        if max_tokens is not None and max_tokens <= TEXT8_PREFIX_TOKENS:
            # The prefix would do: say where we looked, not that the full file is needed.
            mirror = _mirror_dir()
            looked = (f"$EMBEDLEARN_DATA/text8/text8 ({mirror / 'text8' / 'text8'})"
                      if mirror is not None else "$EMBEDLEARN_DATA (not set)")
            raise DataNotFoundError(
                f"load_text8(max_tokens={max_tokens:,}): no copy of text8 was found. Looked in "
                f"{looked} and in the cache ({dest}), and the download of "
                f"{REGISTRY['text8'].urls[0]} failed. Point at a copy: set EMBEDLEARN_DATA to "
                f"the absolute path of a folder holding text8/text8 (the full 100,000,000-byte "
                f"file, or the test mirror's verified prefix of {TEXT8_PREFIX_TOKENS:,} tokens, "
                f"which serves any max_tokens up to that), e.g. `export "
                f"EMBEDLEARN_DATA=/abs/path/to/shared/data`; or unzip text8.zip and put "
                f"`text8` at {dest}. Download error: {getattr(err, 'reason', err)}") from None
        raise DataNotFoundError(
            f"load_text8(max_tokens={max_tokens}) needs the full text8 ({need}; it has "
            f"17,005,207 tokens), which is not on disk (a test mirror holds only a prefix of "
            f"{TEXT8_PREFIX_TOKENS:,} tokens) and could not be downloaded. Get "
            f"{REGISTRY['text8'].urls[0]} (31,344,016 bytes, SHA-1 "
            f"{REGISTRY['text8'].archive_digest[5:]}), unzip it (`unzip text8.zip`) and "
            f"put the 100,000,000-byte file `text8` at {dest} (or $EMBEDLEARN_DATA/text8/text8); "
            f"or pass max_tokens <= {TEXT8_PREFIX_TOKENS:,}. Download error: "
            f"{getattr(err, 'reason', err)}") from None


def _read_tokens(path, max_tokens):
    """Whitespace tokens of a one-line file, read in blocks until ``max_tokens`` are in."""
    tokens, rest = [], ""
    # text8 averages under 8 bytes per token: a small request needs one small read
    size = 1 << 22 if max_tokens is None else min(1 << 22, max(1 << 16, 8 * max_tokens))
    with open(path, encoding="utf-8", newline="") as f:
        while max_tokens is None or len(tokens) < max_tokens:
            block = f.read(size)
            if not block:
                break
            words = (rest + block).split()
            # a word cut by the block boundary is completed by the next block
            rest = words.pop() if words and not block[-1].isspace() else ""
            tokens.extend(map(sys.intern, words))  # one str object per distinct word
    if rest:
        tokens.append(sys.intern(rest))
    return tokens if max_tokens is None else tokens[:max_tokens]


def load_text8(max_tokens=None, data_home=None):
    """Load text8 as sentences of 10,000 tokens, as gensim's ``Text8Corpus`` yields them.

    Parameters
    ----------
    max_tokens : int, optional
        Keep the first ``max_tokens`` tokens; None keeps the whole corpus (17,005,207 tokens,
        the full file is needed). Up to 2,139,748 tokens, the verified prefix in a test mirror
        suffices and gives the same tokens.
    data_home : str or os.PathLike, optional
        Cache folder (see :func:`get_data_home`).

    Returns
    -------
    list of list of str
        Consecutive chunks of 10,000 tokens (the last one shorter), equal to
        ``list(gensim.models.word2vec.Text8Corpus(path))`` for a file holding these tokens,
        so both libraries train on identical input. Equal words share one str object.

    Raises
    ------
    DataNotFoundError
        The full file is needed but is neither on disk nor downloadable.
    """
    if max_tokens is not None:
        if isinstance(max_tokens, bool) or not isinstance(max_tokens, (int, np.integer)):
            raise TypeError(f"max_tokens must be an int or None, got {type(max_tokens).__name__}")
        if max_tokens < 0:
            raise ValueError(f"max_tokens must be >= 0, got {max_tokens}")
        max_tokens = int(max_tokens)
    tokens = _read_tokens(_text8_path(max_tokens, data_home), max_tokens)
    n = TEXT8_SENTENCE_LENGTH
    return [tokens[i:i + n] for i in range(0, len(tokens), n)]


# ------------------------------------------------------------------- word-vector evaluation
def load_analogy_questions(data_home=None):
    """Load the Google analogy questions (``questions-words.txt``).

    Returns
    -------
    list of (str, list of tuple of 4 str)
        Sections in file order, named without the leading ``": "`` (e.g.
        ``"capital-common-countries"``), each with its questions ``(a, b, c, d)`` meaning
        a : b :: c : d, words as written in the file (mixed case).
    """
    sections = []
    for line in fetch("questions-words", data_home).read_text(encoding="utf-8").split("\n"):
        if line.startswith(":"):
            sections.append((line[1:].strip(), []))
        elif line.strip():
            sections[-1][1].append(tuple(line.split()))
    return sections


def load_wordsim353(data_home=None):
    """Load WordSim-353 as a list of ``(word1, word2, mean human score)``, 353 pairs."""
    text = fetch("wordsim353", data_home).read_text(encoding="utf-8")
    rows = [line.split("\t") for line in text.split("\n") if line and not line.startswith("#")]
    return [(a, b, float(s)) for a, b, s in rows]


def load_rare_words(data_home=None):
    """Load Stanford Rare Words as a list of ``(word1, word2, mean score 0-10)``, 2,034 pairs."""
    text = fetch("rare-words", data_home).read_text(encoding="utf-8")
    rows = [line.split("\t") for line in text.split("\n") if line]
    return [(r[0], r[1], float(r[2])) for r in rows]


# ------------------------------------------------------------------------------ documents
class LeeCorpus(NamedTuple):
    """The Lee corpus as raw document strings (one per line of the files)."""

    background: list   # 300 documents, for training
    test: list         # 50 documents, for similarity evaluation


def load_lee(data_home=None):
    """Load the Lee news corpus (gensim's Doc2Vec tutorial data), decoded as latin-1.

    Returns
    -------
    LeeCorpus
        ``background`` (300 documents) and ``test`` (50 documents), untokenised strings.
    """
    def docs(filename):
        return [d for d in _read("lee", filename, data_home, "latin-1").split("\n") if d]
    return LeeCorpus(docs("lee_background.cor"), docs("lee.cor"))


class Reviews(NamedTuple):
    """IMDB reviews: ``texts[i]`` has ``labels[i]`` (1 positive, 0 negative)."""

    texts: list
    labels: np.ndarray    # int8
    ratings: np.ndarray   # int8, stars 1-4 (negative) or 7-10 (positive)
    ids: np.ndarray       # int64, original file ids ``{id}_{rating}.txt``


class LabelledTexts(NamedTuple):
    """Texts with a binary label each (1 positive, 0 negative)."""

    texts: list
    labels: np.ndarray    # int8


def load_imdb(subset="train", data_home=None):
    """Load the labelled IMDB reviews (Maas et al. 2011).

    Parameters
    ----------
    subset : {"train", "test"}
        25,000 reviews each: the 12,500 positive (ratings 7-10) first, then the 12,500
        negative (1-4), each in original id order.
    data_home : str or os.PathLike, optional

    Returns
    -------
    Reviews
        Texts as published (HTML ``<br />`` kept). Lines are split on ``"\\n"`` only: 681
        reviews contain U+0085, which ``str.splitlines`` would treat as a line break.
    """
    if subset not in ("train", "test"):
        raise ValueError(f"subset must be 'train' or 'test', got {subset!r}")
    folder = fetch("imdb", data_home)
    texts, labels, ratings, ids = [], [], [], []
    for label in ("pos", "neg"):
        with gzip.open(folder / f"{subset}_{label}.txt.gz", "rb") as f:
            lines = f.read().decode("utf-8").split("\n")[:-1]  # final "\n" ends the last review
        table = np.array((folder / f"ids_{subset}_{label}.tsv").read_text().split(), np.int64)
        texts += lines
        labels.append(np.full(len(lines), label == "pos", np.int8))
        ids.append(table[0::2])
        ratings.append(table[1::2].astype(np.int8))
    return Reviews(texts, np.concatenate(labels), np.concatenate(ratings), np.concatenate(ids))


def load_rt_polarity(data_home=None):
    """Load the sentence polarity data v1.0 (Pang & Lee 2005).

    Returns
    -------
    LabelledTexts
        5,331 positive then 5,331 negative snippets, decoded as cp1252 (whose "…" is byte
        0x85, so lines are split on ``"\\n"`` only).
    """
    folder = fetch("rt-polarity", data_home)
    texts, labels = [], []
    for label in ("pos", "neg"):
        lines = (folder / f"rt-polarity.{label}").read_bytes().decode("cp1252").split("\n")[:-1]
        texts += lines
        labels.append(np.full(len(lines), label == "pos", np.int8))
    return LabelledTexts(texts, np.concatenate(labels))


# ------------------------------------------------------------------------------ MovieLens
class Ratings(NamedTuple):
    """Ratings as parallel arrays (ids as in the files) plus movie titles and genres."""

    user: np.ndarray       # int64
    item: np.ndarray       # int64
    rating: np.ndarray     # float32 (half stars in ml-latest-small)
    timestamp: np.ndarray  # int64, seconds since 1970
    titles: dict           # item id -> title
    genres: dict           # item id -> tuple of genre names


def _ratings(table, titles, genres):
    return Ratings(table[:, 0].astype(np.int64), table[:, 1].astype(np.int64),
                   table[:, 2].astype(np.float32), table[:, 3].astype(np.int64), titles, genres)


def load_movielens_100k(data_home=None):
    """Load MovieLens 100K: 100,000 ratings (1-5) by 943 users of 1,682 movies.

    Returns
    -------
    Ratings
        ``u.item`` is decoded as latin-1; genres come from its 19 flags and ``u.genre``.
    """
    folder = fetch("ml-100k", data_home)
    table = np.array((folder / "u.data").read_text().split(), np.int64).reshape(-1, 4)
    names = [line.split("|")[0] for line in (folder / "u.genre").read_text().split("\n") if line]
    titles, genres = {}, {}
    for line in (folder / "u.item").read_text(encoding="latin-1").split("\n"):
        if line:
            fields = line.split("|")
            item = int(fields[0])
            titles[item] = fields[1]
            genres[item] = tuple(n for n, flag in zip(names, fields[5:]) if flag == "1")
    return _ratings(table, titles, genres)


def load_movielens_latest_small(data_home=None):
    """Load MovieLens latest-small (2018-09): 100,836 ratings (0.5-5) by 610 users.

    Returns
    -------
    Ratings
        Titles and ``|``-separated genres from ``movies.csv`` (9,742 movies).
    """
    import csv

    folder = fetch("ml-latest-small", data_home)
    fields = (folder / "ratings.csv").read_text(encoding="utf-8").replace(",", " ").split()
    table = np.array(fields[4:], np.float64).reshape(-1, 4)  # skip the header's 4 names
    titles, genres = {}, {}
    with open(folder / "movies.csv", encoding="utf-8", newline="") as f:
        for movie, title, genre in list(csv.reader(f))[1:]:
            titles[int(movie)] = title
            genres[int(movie)] = tuple(genre.split("|"))
    return _ratings(table, titles, genres)


def load_movielens_1m(data_home=None):
    """Load MovieLens 1M: 1,000,209 ratings (1-5) by 6,040 users of 3,706 movies.

    Not in the test mirror: the first call downloads ``ml-1m.zip`` from GroupLens; offline it
    raises :class:`DataNotFoundError` naming the URL.

    Returns
    -------
    Ratings
        ``movies.dat`` is decoded as latin-1.
    """
    folder = fetch("ml-1m", data_home)
    text = (folder / "ratings.dat").read_text(encoding="latin-1")
    table = np.array(text.replace("::", " ").split(), np.int64).reshape(-1, 4)
    titles, genres = {}, {}
    for line in (folder / "movies.dat").read_text(encoding="latin-1").split("\n"):
        if line:
            movie, title, genre = line.split("::")
            titles[int(movie)] = title
            genres[int(movie)] = tuple(genre.split("|"))
    return _ratings(table, titles, genres)


# --------------------------------------------------------------------------------- graphs
class LabelledGraph(NamedTuple):
    """A graph whose nodes are ``0..n-1`` with a label array over them."""

    graph: object             # networkx.Graph
    labels: np.ndarray        # (n,) class index, or (n, k) bool for multi-label data
    classes: list             # class names (Cora) or group ids (BlogCatalog)
    features: np.ndarray | None = None


def load_cora(data_home=None):
    """Load Cora as an undirected citation graph with 7 classes.

    Returns
    -------
    LabelledGraph
        ``graph``: networkx.Graph, nodes 0..2707 in ``cora.content`` order, 5,278 edges (the
        5,429 citations without direction); ``labels``: int64 index into ``classes`` (sorted
        names); ``features``: uint8 (2708, 1433) word indicators. Paper ids are the node
        attribute ``"paper_id"``.
    """
    import networkx as nx

    folder = fetch("cora", data_home)
    rows = [line.split("\t", 1) for line in (folder / "cora.content").read_text().split("\n")
            if line]
    paper_ids = [int(pid) for pid, _ in rows]
    row_of = {p: i for i, p in enumerate(paper_ids)}
    names = [rest.rsplit("\t", 1)[1] for _, rest in rows]
    classes = sorted(set(names))
    labels = np.array([classes.index(n) for n in names], np.int64)
    # the features are single "0"/"1" characters between tabs: read every other byte
    flat = "\t".join(rest.rsplit("\t", 1)[0] for _, rest in rows).encode()
    features = (np.frombuffer(flat, np.uint8)[::2] - ord("0")).reshape(len(rows), -1)
    graph = nx.Graph()
    graph.add_nodes_from((i, {"paper_id": p}) for i, p in enumerate(paper_ids))
    cites = np.array((folder / "cora.cites").read_text().split(), np.int64).reshape(-1, 2)
    graph.add_edges_from((row_of[a], row_of[b]) for a, b in cites.tolist())
    return LabelledGraph(graph, labels, classes, features)


def load_blogcatalog(data_home=None):
    """Load BlogCatalog3: 10,312 bloggers, 333,983 friendships, 39 groups (multi-label).

    Returns
    -------
    LabelledGraph
        ``graph``: networkx.Graph, nodes 0..10311 (file id - 1); ``labels``: bool
        (10312, 39), ``labels[v, g]`` if blogger ``v`` is in group ``classes[g]``; ``classes``:
        the group ids 1..39.
    """
    import networkx as nx

    folder = fetch("blogcatalog", data_home)

    def ints(name):
        return np.array((folder / name).read_text().replace(",", " ").split(), np.int64)

    nodes, groups = ints("nodes.csv"), ints("groups.csv")
    edges = ints("edges.csv").reshape(-1, 2) - 1
    member = ints("group-edges.csv").reshape(-1, 2) - 1
    graph = nx.Graph()
    graph.add_nodes_from(range(len(nodes)))
    graph.add_edges_from(zip(edges[:, 0].tolist(), edges[:, 1].tolist()))
    labels = np.zeros((len(nodes), len(groups)), bool)
    labels[member[:, 0], member[:, 1]] = True
    return LabelledGraph(graph, labels, groups.tolist())


class GraphDataset(NamedTuple):
    """A list of graphs with one class label each."""

    graphs: list          # networkx.Graph, nodes 0..n_g-1, node/edge attribute "label"
    labels: np.ndarray    # int64, as in the file (e.g. 1 / -1 for MUTAG)


def load_tu_dataset(name, data_home=None):
    """Load a graph-classification data set in TU format (MUTAG, PTC_MR, PROTEINS, NCI1).

    Parameters
    ----------
    name : str
        TU name, case-insensitive.
    data_home : str or os.PathLike, optional

    Returns
    -------
    GraphDataset
        One undirected networkx.Graph per graph, nodes numbered 0..n_g-1 in file order, with
        integer node attribute ``"label"`` (and edge attribute ``"label"`` where the data set
        has edge labels); graph labels as in ``*_graph_labels.txt``. Continuous node
        attributes (PROTEINS) are not loaded.
    """
    import networkx as nx

    if not isinstance(name, str) or name.lower() not in _TU_NAMES:
        raise KeyError(f"unknown TU data set {name!r}; registered: "
                       f"{', '.join(sorted(_TU_NAMES.values()))}")
    key = name.lower()
    tu = _TU_NAMES[key]
    folder = fetch(key, data_home)

    def ints(suffix):
        path = folder / f"{tu}_{suffix}.txt"
        return np.array(path.read_text().replace(",", " ").split(), np.int64) if path.exists() \
            else None

    graph_of = ints("graph_indicator") - 1          # graph of each node (0-based)
    graph_labels = ints("graph_labels")
    node_labels, edge_labels = ints("node_labels"), ints("edge_labels")
    adjacency = ints("A").reshape(-1, 2) - 1       # both directions of each edge
    if np.any(np.diff(graph_of) < 0):
        raise ValueError(f"{tu}_graph_indicator.txt is not sorted by graph")
    first = np.searchsorted(graph_of, np.arange(len(graph_labels)))
    local = np.arange(len(graph_of)) - first[graph_of]   # node index within its graph
    graph_of, local = graph_of.tolist(), local.tolist()
    graphs = [nx.Graph() for _ in range(len(graph_labels))]
    for v, g in enumerate(graph_of):
        graphs[g].add_node(local[v], **({} if node_labels is None
                                         else {"label": int(node_labels[v])}))
    for e, (u, v) in enumerate(adjacency.tolist()):
        attrs = {} if edge_labels is None else {"label": int(edge_labels[e])}
        graphs[graph_of[u]].add_edge(local[u], local[v], **attrs)
    return GraphDataset(graphs, graph_labels)
