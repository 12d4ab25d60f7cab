"""The Lighter kernel: the program a session's Spark driver runs.

It runs inside the driver, where only the standard library and pyspark (with py4j) exist:
nothing here imports anything else, and modules import each other relatively, because
drivers receive this package as `lighter_kernel` in a zip on their Python path
(`lighter_common/kernel/archive.py` builds it; `../kernel.py` is the primary resource that
runs `main()`).

Every session runs Python (`pyspark`), Scala (`spark`) and SQL statements against the same
SparkSession, so temporary views and cached data are shared; the endpoint gives each
statement the language it runs in.

  config.py       what the driver learns of its session (its environment)
  channel.py      the session-manager's kernel endpoint, over HTTP
  board.py        the statements in hand, and cancels
  kernel.py       the main loop, the poller and the reporter
  executor.py     one statement run in its language; its progress
  python_code.py  Python: chunks, the echo, magics      sql.py    SQL
  scala.py        Scala in the driver's JVM over py4j   completion.py
  outputs.py      Livy's output shapes                  rendering.py  tables, JSON, PNG
  main.py         a driver's life, start to end
"""
