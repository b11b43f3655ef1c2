.PHONY: demo test dist clean

demo:
	bash scripts/demo.sh

test:
	bash scripts/test.sh

dist:
	bash scripts/dist.sh

clean:
	rm -rf build dist demo-output
