"""The HTTP API the Customer Segmentation screens call: FastAPI, served by uvicorn.

It imports the core library (:mod:`segmentation`) and nothing of the orchestrator.
Reads come from the published snapshot (:mod:`segmentation.snapshot`), never from the
live warehouse; writes go to the segment store, which the pipeline reads.
"""
